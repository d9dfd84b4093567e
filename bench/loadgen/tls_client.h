#pragma once

#include "core/error.h"
#include "loadgen/options.h"

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

namespace tollgate::bench {

// Builds the client TLS context from the options: the client certificate (unless --no-cert),
// the CA that verifies the server (unless --insecure), and no session cache or tickets, so
// every new connection performs a full handshake.
core::Result<boost::asio::ssl::context> make_client_context(const Options& options);

// Sets SNI and the name or IP address the server certificate must match on one connection.
core::Result<void> prepare_connection(SSL* ssl, const Target& target);

}  // namespace tollgate::bench
