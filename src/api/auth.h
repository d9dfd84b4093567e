#pragma once

#include "core/error.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace tollgate::api {

// The admin token that every request under /v3/ must send in X-Auth-Token. It is stored
// in <data-dir>/admin-token, one line of 64 lowercase hex characters, with mode 0600.
class AdminToken {
public:
    static constexpr std::string_view kFileName = "admin-token";

    // Reads the token file, or creates it with 32 bytes from RAND_bytes when it does not
    // exist. An existing file is never overwritten. Fails when the file grants any
    // permission to group or others, or does not contain a valid token.
    static core::Result<AdminToken> load_or_create(const std::filesystem::path& data_dir);

    // Compares `presented` with the token. The content comparison takes the same time
    // wherever the first difference is, so response times do not reveal the token.
    bool matches(std::string_view presented) const;

private:
    explicit AdminToken(std::string token) : token_(std::move(token)) {}

    std::string token_;
};

}  // namespace tollgate::api
