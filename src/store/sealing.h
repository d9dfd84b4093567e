#pragma once

// Sealing of secrets (private keys) with AES-256-GCM before they reach the database.
//
// The 32-byte key comes from the environment variable TOLLGATE_SECRET_KEY (64 hex
// characters or the base64 encoding of 32 bytes) when it is set. Otherwise it comes from
// the file DATA_DIR/secret.key, which contains the key as 64 hex characters and is created
// with mode 0600 the first time a secret is sealed. Each sealed secret records the key id
// (the first 8 hex characters of SHA-256 of the key), so opening it with another key fails
// with an error that names both ids.

#include "core/error.h"
#include "store/secret_key.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::store {

inline constexpr std::size_t kNonceBytes = 12;
inline constexpr std::size_t kTagBytes = 16;

// A string that wipes its buffer with OPENSSL_cleanse when destroyed, assigned or moved
// from. It is what Sealer::open() returns: callers keep the plaintext in it (or wipe their
// own copies) so that it does not linger in freed memory.
class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::size_t size) : value_(size, '\0') {}
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    SecretString(SecretString&& other) noexcept;
    SecretString& operator=(SecretString&& other) noexcept;
    ~SecretString();

    std::string_view view() const { return value_; }
    char* data() { return value_.data(); }
    std::size_t size() const { return value_.size(); }

    // Shortens the string without reallocating, so no unwiped copy is left behind.
    void truncate(std::size_t size);

private:
    void wipe();

    std::string value_;
};

// The row of a sealed secret. It is bound into the ciphertext as additional authenticated
// data, so a ciphertext copied to another row fails to open.
struct SecretLocation {
    std::string_view kind;
    std::string_view project_id;
    std::string_view id;
    std::string_view field;

    // Returns "private_key of certificate 1f… in project p1", for messages.
    std::string describe() const;
};

struct SealedSecret {
    std::vector<unsigned char> nonce;       // kNonceBytes random bytes, new for each seal
    std::vector<unsigned char> ciphertext;  // ciphertext followed by the kTagBytes GCM tag
    std::string key_id;                     // id of the key that sealed it
};

// Seals and opens secrets with one key. It is not thread-safe, and the store uses it from
// its control thread only.
class Sealer {
public:
    // Reads the key now when TOLLGATE_SECRET_KEY is set or DATA_DIR/secret.key exists, so
    // an invalid key or an unsafe key file fails at startup. Otherwise the key file is
    // created by the first seal().
    static core::Result<Sealer> load(const std::filesystem::path& data_dir);

    core::Result<SealedSecret> seal(const SecretLocation& location, std::string_view plaintext);
    core::Result<SecretString> open(const SecretLocation& location, const SealedSecret& sealed) const;

    // The id of the loaded key, or nullopt before a key file exists.
    std::optional<std::string> key_id() const;

private:
    Sealer(std::filesystem::path data_dir, std::unique_ptr<SecretKey> key)
        : data_dir_(std::move(data_dir)), key_(std::move(key)) {}

    std::filesystem::path data_dir_;
    std::unique_ptr<SecretKey> key_;  // null until a key exists
};

}  // namespace tollgate::store
