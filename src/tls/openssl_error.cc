#include "tls/openssl_error.h"

#include <openssl/err.h>

#include <array>

namespace tollgate::tls {

std::string take_openssl_errors() {
    std::string joined;
    while (unsigned long error = ERR_get_error()) {
        if (!joined.empty()) {
            joined += ", ";
        }
        if (const char* reason = ERR_reason_error_string(error)) {
            joined += reason;
        } else {
            std::array<char, 256> buffer{};
            ERR_error_string_n(error, buffer.data(), buffer.size());
            joined += buffer.data();
        }
    }
    return joined;
}

OpensslErrorScope::OpensslErrorScope() {
    ERR_clear_error();
}

OpensslErrorScope::~OpensslErrorScope() {
    ERR_clear_error();
}

}  // namespace tollgate::tls
