#include "store/sealing.h"

#include "core/check.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <limits>

namespace tollgate::store {
namespace {

constexpr std::string_view kAadLabel = "tollgate secret v1";

struct CipherContextFree {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContextPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

// Encodes the location with a length before each part, so that no two locations give the
// same bytes even when a part contains a separator character.
std::string additional_data(const SecretLocation& location) {
    std::string aad(kAadLabel);
    for (std::string_view part : {location.kind, location.project_id, location.id, location.field}) {
        const auto size = static_cast<std::uint32_t>(part.size());
        for (int shift = 24; shift >= 0; shift -= 8) {
            aad += static_cast<char>((size >> shift) & 0xff);
        }
        aad += part;
    }
    return aad;
}

core::Error cipher_failure(std::string_view operation) {
    std::string reasons;
    while (const unsigned long code = ERR_get_error()) {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        reasons += reasons.empty() ? "" : ", ";
        reasons += text.data();
    }
    return core::Error::tls(
        fmt::format("{} failed: {}", operation, reasons.empty() ? "unknown OpenSSL error" : reasons));
}

CipherContextPtr new_cipher_context() {
    CipherContextPtr context(EVP_CIPHER_CTX_new());
    TG_CHECK(context != nullptr);
    return context;
}

}  // namespace

SecretString::SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
    // A short string is copied by the move, leaving its bytes in other's inline buffer.
    other.wipe();
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
    if (this != &other) {
        wipe();
        value_ = std::move(other.value_);
        other.wipe();
    }
    return *this;
}

SecretString::~SecretString() {
    wipe();
}

void SecretString::truncate(std::size_t size) {
    if (size < value_.size()) {
        OPENSSL_cleanse(value_.data() + size, value_.size() - size);
        value_.resize(size);
    }
}

void SecretString::wipe() {
    // Wipe the whole capacity: bytes past size() may still hold earlier content.
    value_.resize(value_.capacity());
    OPENSSL_cleanse(value_.data(), value_.size());
    value_.clear();
}

std::string SecretLocation::describe() const {
    return fmt::format("{} of {} {} in project {}", field, kind, id, project_id);
}

core::Result<Sealer> Sealer::load(const std::filesystem::path& data_dir) {
    auto key = read_secret_key(data_dir);
    if (!key) {
        return key.error();
    }
    return Sealer(data_dir, std::move(*key));
}

std::optional<std::string> Sealer::key_id() const {
    if (!key_) {
        return std::nullopt;
    }
    return key_->id();
}

core::Result<SealedSecret> Sealer::seal(const SecretLocation& location, std::string_view plaintext) {
    if (!key_) {
        auto created = create_secret_key_file(data_dir_);
        if (!created) {
            return created.error();
        }
        key_ = std::move(*created);
    }

    // EVP takes lengths as int.
    if (plaintext.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) - kTagBytes) {
        return core::Error::invalid(
            fmt::format("sealing {} failed: the secret is larger than {} bytes", location.describe(),
                        static_cast<std::size_t>(std::numeric_limits<int>::max()) - kTagBytes));
    }

    SealedSecret sealed;
    sealed.key_id = key_->id();
    sealed.nonce.resize(kNonceBytes);
    TG_CHECK(RAND_bytes(sealed.nonce.data(), static_cast<int>(sealed.nonce.size())) == 1);
    sealed.ciphertext.resize(plaintext.size() + kTagBytes);

    const std::string aad = additional_data(location);
    const std::string operation = fmt::format("sealing {}", location.describe());
    auto context = new_cipher_context();
    int length = 0;
    int total = 0;
    if (EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key_->bytes().data(),
                           sealed.nonce.data()) != 1 ||
        EVP_EncryptUpdate(context.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(aad.data()),
                          static_cast<int>(aad.size())) != 1 ||
        EVP_EncryptUpdate(context.get(), sealed.ciphertext.data(), &length,
                          reinterpret_cast<const unsigned char*>(plaintext.data()),
                          static_cast<int>(plaintext.size())) != 1) {
        return cipher_failure(operation);
    }
    total = length;
    if (EVP_EncryptFinal_ex(context.get(), sealed.ciphertext.data() + total, &length) != 1) {
        return cipher_failure(operation);
    }
    total += length;
    if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                            sealed.ciphertext.data() + total) != 1) {
        return cipher_failure(operation);
    }
    sealed.ciphertext.resize(static_cast<std::size_t>(total) + kTagBytes);
    return sealed;
}

core::Result<SecretString> Sealer::open(const SecretLocation& location, const SealedSecret& sealed) const {
    const std::string operation = fmt::format("opening {}", location.describe());
    if (!key_) {
        return core::Error::internal(
            fmt::format("{} failed: no secret key is available (the data was sealed with key id {}): {} is "
                        "not set and {} does "
                        "not exist; set {} or restore {}",
                        operation, sealed.key_id, kSecretKeyVariable, secret_key_path(data_dir_).string(),
                        kSecretKeyVariable, secret_key_path(data_dir_).string()));
    }
    if (sealed.key_id != key_->id()) {
        return core::Error::internal(
            fmt::format("the secret key does not match the one that sealed this data (key id {}, expected "
                        "{}); set {} or restore {}",
                        key_->id(), sealed.key_id, kSecretKeyVariable, secret_key_path(data_dir_).string()));
    }
    if (sealed.nonce.size() != kNonceBytes || sealed.ciphertext.size() < kTagBytes) {
        return core::Error::internal(
            fmt::format("{} failed: the stored nonce or ciphertext is truncated", operation));
    }

    const std::size_t text_size = sealed.ciphertext.size() - kTagBytes;
    SecretString plaintext(text_size);
    const std::string aad = additional_data(location);
    auto context = new_cipher_context();
    auto* tag =
        const_cast<unsigned char*>(sealed.ciphertext.data() + text_size);  // read only despite the type
    int length = 0;
    if (EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key_->bytes().data(),
                           sealed.nonce.data()) != 1 ||
        EVP_DecryptUpdate(context.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(aad.data()),
                          static_cast<int>(aad.size())) != 1 ||
        EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &length,
                          sealed.ciphertext.data(), static_cast<int>(text_size)) != 1 ||
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag) != 1) {
        return cipher_failure(operation);
    }
    const int total = length;
    if (EVP_DecryptFinal_ex(context.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + total,
                            &length) != 1) {
        ERR_clear_error();
        return core::Error::internal(fmt::format(
            "{} failed: the ciphertext does not authenticate, so it was altered or copied from another row",
            operation));
    }
    plaintext.truncate(static_cast<std::size_t>(total) + static_cast<std::size_t>(length));
    return plaintext;
}

}  // namespace tollgate::store
