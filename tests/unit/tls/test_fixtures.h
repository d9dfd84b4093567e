#pragma once

// A small PKI shared by the server context, handshake and session tests, and the listener
// settings built from it. Keys are generated once per test binary.

#include "tls/server_context.h"
#include "tls/test_pki.h"

#include <chrono>
#include <string>

namespace tollgate::tls::test {

struct Pki {
    Issued root_a;
    Issued intermediate_a;  // CA signed by root_a
    Issued root_b;
    Issued server;                   // "CN=www.test.com,O=ELB", issued by root_a
    Issued client;                   // clientAuth, issued by root_a
    Issued client_via_intermediate;  // clientAuth, issued by intermediate_a
    Issued client_b;                 // clientAuth, issued by root_b
};

inline Pki make_pki() {
    using namespace std::chrono_literals;
    Pki pki;
    pki.root_a = issue({.common_name = "Root A", .ca = true});
    pki.intermediate_a = issue({.common_name = "Intermediate A", .ca = true}, &pki.root_a);
    pki.root_b = issue({.common_name = "Root B", .ca = true});
    pki.server = issue({.common_name = "www.test.com",
                        .alt_names = {"DNS:www.test.com"},
                        .extended_key_usage = "serverAuth"},
                       &pki.root_a);
    pki.client = issue({.common_name = "client", .extended_key_usage = "clientAuth"}, &pki.root_a);
    pki.client_via_intermediate = issue(
        {.common_name = "client via intermediate", .extended_key_usage = "clientAuth"}, &pki.intermediate_a);
    pki.client_b = issue({.common_name = "client b", .extended_key_usage = "clientAuth"}, &pki.root_b);
    return pki;
}

inline const Pki& pki() {
    static const Pki shared = make_pki();
    return shared;
}

inline std::string pem(const Issued& issued) {
    return certificate_pem(issued.certificate.get());
}

// Settings of listener "listener-1" with the shared server certificate and `client_ca_pem`.
inline ServerTlsSettings listener_settings(ClientAuth mode, std::string client_ca_pem) {
    ServerTlsSettings settings;
    settings.listener_id = "listener-1";
    settings.certificate_id = "cert-1";
    settings.certificate_pem = pem(pki().server);
    settings.private_key_pem = pkcs8_pem(pki().server.key.get());
    settings.client_ca_id = "ca-1";
    settings.client_ca_pem = std::move(client_ca_pem);
    settings.client_auth = mode;
    return settings;
}

}  // namespace tollgate::tls::test
