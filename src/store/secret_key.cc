#include "store/secret_key.h"

#include "core/check.h"
#include "core/logging.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tollgate::store {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::size_t kHexKeyLength = 2 * kSecretKeyBytes;
constexpr std::size_t kBase64KeyLength = 44;  // 32 bytes: 10 full groups and one padded group
constexpr std::size_t kMaxKeyFileBytes = 4096;
constexpr std::string_view kExpectedFormat = "expected 64 hex characters or the base64 encoding of 32 bytes";

// Closes a file descriptor on scope exit.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }

private:
    int fd_;
};

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

int hex_value(char c) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto position = kHexDigits.find(lower);
    return position == std::string_view::npos ? -1 : static_cast<int>(position);
}

std::optional<SecretKeyBytes> decode_hex_key(std::string_view text) {
    SecretKeyBytes key{};
    for (std::size_t i = 0; i < kSecretKeyBytes; ++i) {
        const int high = hex_value(text[2 * i]);
        const int low = hex_value(text[2 * i + 1]);
        if (high < 0 || low < 0) {
            OPENSSL_cleanse(key.data(), key.size());
            return std::nullopt;
        }
        key[i] = static_cast<unsigned char>(high * 16 + low);
    }
    return key;
}

std::optional<SecretKeyBytes> decode_base64_key(std::string_view text) {
    // 44 characters decode to 33 bytes, the last of which comes from the single '='.
    if (text[kBase64KeyLength - 1] != '=' || text[kBase64KeyLength - 2] == '=') {
        return std::nullopt;
    }
    std::array<unsigned char, kSecretKeyBytes + 1> decoded{};
    const int size = EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
    std::optional<SecretKeyBytes> key;
    if (size == static_cast<int>(decoded.size())) {
        key.emplace();
        std::memcpy(key->data(), decoded.data(), kSecretKeyBytes);
    }
    OPENSSL_cleanse(decoded.data(), decoded.size());
    return key;
}

std::string hex_encode(std::span<const unsigned char> bytes) {
    std::string text;
    text.reserve(2 * bytes.size());
    for (unsigned char byte : bytes) {
        text += kHexDigits[byte >> 4];
        text += kHexDigits[byte & 0x0f];
    }
    return text;
}

core::Result<std::unique_ptr<SecretKey>> read_key_file(const std::filesystem::path& path, int fd) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        return core::Error::io(fmt::format("stat {} failed: {}", path.string(), std::strerror(errno)));
    }
    if (!S_ISREG(status.st_mode)) {
        return core::Error::invalid(fmt::format("{} is not a regular file", path.string()));
    }
    if ((status.st_mode & 077) != 0) {
        return core::Error::invalid(
            fmt::format("{} has group or other permissions (mode {:04o}); run chmod 600 {}", path.string(),
                        status.st_mode & 07777, path.string()));
    }

    std::array<char, kMaxKeyFileBytes + 1> buffer{};
    std::size_t size = 0;
    while (size < buffer.size()) {
        const ssize_t count = ::read(fd, buffer.data() + size, buffer.size() - size);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            OPENSSL_cleanse(buffer.data(), buffer.size());
            return core::Error::io(fmt::format("read {} failed: {}", path.string(), std::strerror(errno)));
        }
        if (count == 0) {
            break;
        }
        size += static_cast<std::size_t>(count);
    }

    std::optional<SecretKeyBytes> bytes;
    if (size <= kMaxKeyFileBytes) {
        bytes = decode_secret_key(std::string_view(buffer.data(), size));
    }
    OPENSSL_cleanse(buffer.data(), buffer.size());
    if (!bytes) {
        return core::Error::invalid(
            fmt::format("{} does not contain a valid key: {}; restore the file from a backup", path.string(),
                        kExpectedFormat));
    }
    auto key = std::make_unique<SecretKey>(*bytes, path.string());
    OPENSSL_cleanse(bytes->data(), bytes->size());
    return key;
}

core::Result<void> write_all(int fd, std::string_view text, const std::filesystem::path& path) {
    while (!text.empty()) {
        const ssize_t count = ::write(fd, text.data(), text.size());
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return core::Error::io(fmt::format("write {} failed: {}", path.string(), std::strerror(errno)));
        }
        text.remove_prefix(static_cast<std::size_t>(count));
    }
    return {};
}

// Syncs the directory entry of a new file, so the file survives a power loss.
core::Result<void> sync_directory(const std::filesystem::path& directory) {
    FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
        return core::Error::io(
            fmt::format("sync directory {} failed: {}", directory.string(), std::strerror(errno)));
    }
    return {};
}

core::Result<void> write_key_file(int fd, const SecretKeyBytes& bytes, const std::filesystem::path& path) {
    std::string text = hex_encode(bytes) + "\n";
    auto written = write_all(fd, text, path);
    OPENSSL_cleanse(text.data(), text.size());
    if (!written) {
        return written.error();
    }
    if (::fsync(fd) != 0) {
        return core::Error::io(fmt::format("sync {} failed: {}", path.string(), std::strerror(errno)));
    }
    return sync_directory(path.parent_path());
}

}  // namespace

SecretKey::SecretKey(const SecretKeyBytes& bytes, std::string origin)
    : bytes_(bytes), id_(secret_key_id(bytes_)), origin_(std::move(origin)) {}

SecretKey::~SecretKey() {
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

std::string secret_key_id(std::span<const unsigned char> key) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(key.data(), key.size(), digest.data());
    return hex_encode(std::span(digest).first(4));
}

std::optional<SecretKeyBytes> decode_secret_key(std::string_view text) {
    text = trim(text);
    if (text.size() == kHexKeyLength) {
        return decode_hex_key(text);
    }
    if (text.size() == kBase64KeyLength) {
        return decode_base64_key(text);
    }
    return std::nullopt;
}

std::filesystem::path secret_key_path(const std::filesystem::path& data_dir) {
    return data_dir / kSecretKeyFileName;
}

core::Result<std::unique_ptr<SecretKey>> read_secret_key(const std::filesystem::path& data_dir) {
    if (const char* variable = std::getenv(kSecretKeyVariable); variable != nullptr) {
        auto bytes = decode_secret_key(variable);
        if (!bytes) {
            return core::Error::invalid(
                fmt::format("{} is invalid: {}, e.g. the output of openssl rand -hex 32", kSecretKeyVariable,
                            kExpectedFormat));
        }
        auto key = std::make_unique<SecretKey>(*bytes, kSecretKeyVariable);
        OPENSSL_cleanse(bytes->data(), bytes->size());
        return key;
    }

    const auto path = secret_key_path(data_dir);
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0 && errno == ENOENT) {
        return std::unique_ptr<SecretKey>();
    }
    if (fd.get() < 0) {
        return core::Error::io(fmt::format("open {} failed: {}", path.string(), std::strerror(errno)));
    }
    return read_key_file(path, fd.get());
}

core::Result<std::unique_ptr<SecretKey>> create_secret_key_file(const std::filesystem::path& data_dir) {
    const auto path = secret_key_path(data_dir);
    FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0 && errno == EEXIST) {
        FileDescriptor existing(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (existing.get() < 0) {
            return core::Error::io(fmt::format("open {} failed: {}", path.string(), std::strerror(errno)));
        }
        return read_key_file(path, existing.get());
    }
    if (fd.get() < 0) {
        return core::Error::io(fmt::format("create {} failed: {}", path.string(), std::strerror(errno)));
    }

    SecretKeyBytes bytes{};
    // A failing CSPRNG leaves no safe way to make a key.
    TG_CHECK(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1);
    auto written = write_key_file(fd.get(), bytes, path);
    if (!written) {
        OPENSSL_cleanse(bytes.data(), bytes.size());
        ::unlink(path.c_str());
        return written.error();
    }
    auto key = std::make_unique<SecretKey>(bytes, path.string());
    OPENSSL_cleanse(bytes.data(), bytes.size());
    core::logger("store")->info("created secret key file {} key_id={}", path.string(), key->id());
    return key;
}

}  // namespace tollgate::store
