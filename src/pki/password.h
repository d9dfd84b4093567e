#pragma once

#include "core/error.h"

#include <filesystem>
#include <optional>
#include <string>

namespace tollgate::pki {

// Environment variable that contains the .p12 password, read when no password file is given.
constexpr const char* kPasswordVariable = "TOLLGATE_P12_PASSWORD";

// Maximum length of a password that the prompt accepts, in bytes.
constexpr std::size_t kMaxPromptedPasswordBytes = 1024;

// Characters of a generated password: 24 of them from 62 letters and digits carry about 143
// bits of entropy and need no quoting in a shell or a URL.
constexpr std::size_t kGeneratedPasswordLength = 24;

// Returns the first line of `path` without its line ending, as `openssl -passin file:` and
// `pk12util -w` read it. Fails when the file cannot be read or the line is empty.
core::Result<std::string> read_password_file(const std::filesystem::path& path);

// Returns the value of TOLLGATE_P12_PASSWORD, or nothing when the variable is unset or empty.
std::optional<std::string> password_from_environment();

// Asks for a new password twice on the controlling terminal (/dev/tty) with echo off, and
// fails when the two differ or are empty. Restores the terminal when a signal such as
// Ctrl-C ends the process during the prompt. Fails without a controlling terminal.
core::Result<std::string> prompt_new_password();

// Returns kGeneratedPasswordLength random letters and digits, drawn from RAND_bytes.
core::Result<std::string> generate_password();

}  // namespace tollgate::pki
