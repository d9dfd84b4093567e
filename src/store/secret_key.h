#pragma once

// The key that seals secrets: where it comes from and how it is written down.

#include "core/error.h"

#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tollgate::store {

inline constexpr const char* kSecretKeyVariable = "TOLLGATE_SECRET_KEY";
inline constexpr const char* kSecretKeyFileName = "secret.key";
inline constexpr std::size_t kSecretKeyBytes = 32;

using SecretKeyBytes = std::array<unsigned char, kSecretKeyBytes>;

// A 32-byte AES key, wiped with OPENSSL_cleanse on destruction. Not copyable, so that
// no unwiped copy exists; hold it by unique_ptr to move it.
class SecretKey {
public:
    SecretKey(const SecretKeyBytes& bytes, std::string origin);
    SecretKey(const SecretKey&) = delete;
    SecretKey& operator=(const SecretKey&) = delete;
    ~SecretKey();

    std::span<const unsigned char> bytes() const { return bytes_; }
    const std::string& id() const { return id_; }
    // "TOLLGATE_SECRET_KEY" or the path of the key file, for messages.
    const std::string& origin() const { return origin_; }

private:
    SecretKeyBytes bytes_;
    std::string id_;
    std::string origin_;
};

// Returns the first 8 hex characters of SHA-256 of `key`, which identify a key in the
// database and in messages without revealing it.
std::string secret_key_id(std::span<const unsigned char> key);

// Decodes a key given as 64 hex characters or as the base64 encoding of 32 bytes,
// surrounding whitespace ignored. Returns nullopt for any other text.
std::optional<SecretKeyBytes> decode_secret_key(std::string_view text);

// Returns the path of the key file in `data_dir`.
std::filesystem::path secret_key_path(const std::filesystem::path& data_dir);

// Reads the key from TOLLGATE_SECRET_KEY when it is set, else from DATA_DIR/secret.key.
// Returns null when the variable is unset and the file does not exist. Fails when the
// key is not in one of the accepted formats, or when the file is not a regular file or
// has any group or other permission bit set.
core::Result<std::unique_ptr<SecretKey>> read_secret_key(const std::filesystem::path& data_dir);

// Creates DATA_DIR/secret.key with mode 0600 and 32 random bytes written as 64 hex
// characters, and syncs it to disk. When the file already exists (created meanwhile by
// another process), reads that file instead.
core::Result<std::unique_ptr<SecretKey>> create_secret_key_file(const std::filesystem::path& data_dir);

}  // namespace tollgate::store
