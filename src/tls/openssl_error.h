#pragma once

#include <string>

namespace tollgate::tls {

// Removes every entry of this thread's OpenSSL error queue and returns their reason
// strings joined with ", " (empty when the queue was empty).
std::string take_openssl_errors();

// Clears this thread's OpenSSL error queue on construction and on destruction, so that a
// call leaves neither stale entries for the next caller nor its own.
class OpensslErrorScope {
public:
    OpensslErrorScope();
    ~OpensslErrorScope();
    OpensslErrorScope(const OpensslErrorScope&) = delete;
    OpensslErrorScope& operator=(const OpensslErrorScope&) = delete;
};

}  // namespace tollgate::tls
