#pragma once

#include <boost/system/result.hpp>

#include <source_location>
#include <string>
#include <utility>

namespace tollgate::core {

// Side of a proxied exchange that caused a failure.
enum class Side { Client, Backend, Internal };

// Broad category of a failure, used for status codes, retries and metrics.
enum class ErrorKind {
    InvalidInput,  // a configuration value or a request is malformed
    NotFound,      // a referenced resource does not exist
    Conflict,      // the request clashes with stored state
    Io,            // a read, write, connect or file operation failed
    Tls,           // an OpenSSL call failed
    Timeout,       // a deadline passed
    Internal,      // a bug or an unexpected library failure
};

// A failure with enough context to log it and show it to a user.
struct Error {
    ErrorKind kind = ErrorKind::Internal;
    Side side = Side::Internal;
    std::string message;
    bool retryable = false;

    static Error invalid(std::string message) {
        return {ErrorKind::InvalidInput, Side::Client, std::move(message), false};
    }
    static Error io(std::string message, Side side = Side::Internal) {
        return {ErrorKind::Io, side, std::move(message), true};
    }
    static Error tls(std::string message) {
        return {ErrorKind::Tls, Side::Internal, std::move(message), false};
    }
    static Error internal(std::string message) {
        return {ErrorKind::Internal, Side::Internal, std::move(message), false};
    }
};

// Raised by Result<T>::value() on an error; callers normally test the result instead.
struct ErrorException : std::runtime_error {
    explicit ErrorException(Error error) : std::runtime_error(error.message), error(std::move(error)) {}
    Error error;
};

[[noreturn]] inline void throw_exception_from_error(const Error& error, const boost::source_location&) {
    throw ErrorException(error);
}

template <typename T>
using Result = boost::system::result<T, Error>;

}  // namespace tollgate::core
