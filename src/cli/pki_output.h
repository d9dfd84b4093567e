#pragma once

// What `tollgate pki` prints after it wrote its files: each file with what it is for, and the
// commands to run next.

#include "pki/issuance.h"

#include <filesystem>
#include <ostream>
#include <string>

namespace tollgate::cli {

// Quotes `text` for a POSIX shell when it contains characters other than letters, digits
// and _ . / - : = @ % + , so that printed commands can be pasted as they are.
std::string shell_quote(const std::string& text);

void print_ca_result(std::ostream& out, const pki::IssuedFiles& ca);
void print_server_result(std::ostream& out, const pki::IssuedFiles& server,
                         const std::filesystem::path& ca_dir);
void print_client_result(std::ostream& out, const pki::IssuedFiles& client,
                         const std::filesystem::path& ca_dir);
void print_pkcs12_result(std::ostream& out, const std::filesystem::path& p12_file);
void print_quickstart_result(std::ostream& out, const pki::QuickstartFiles& files);

}  // namespace tollgate::cli
