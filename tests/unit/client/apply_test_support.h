#pragma once

// A configuration document for the apply tests, with the PEM files it names in a temporary
// folder.

#include "client/desired_state.h"
#include "temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace tollgate::client::test {

// PEM-shaped text. The configuration loader only looks for a -----BEGIN block.
inline const std::string kServerPem = "-----BEGIN CERTIFICATE-----\nc2VydmVy\n-----END CERTIFICATE-----\n";
inline const std::string kServerKeyPem = "-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n";
inline const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n";

// The mutual TLS example of the configuration reference, with a health monitor.
inline const std::string kDocument = R"(certificates:
  - {id: srv, type: server, certificate_file: server.crt, private_key_file: server.key}
  - {id: ca, type: client, certificate_file: ca.crt}
loadbalancers:
  - {id: lb1, name: edge, vip_address: 127.0.0.1}
listeners:
  - id: web
    loadbalancer_id: lb1
    protocol: HTTPS
    protocol_port: 8443
    default_tls_container_ref: srv
    client_ca_tls_container_ref: ca
    client_timeout: 30
    insert_headers: {X-Real-IP: true}
pools:
  - id: app
    lb_algorithm: ROUND_ROBIN
    protocol: HTTP
    listener_id: web
    members:
      - {address: 127.0.0.1, protocol_port: 9001}
      - {address: "::1", protocol_port: 9002, weight: 3, name: backend-2}
healthmonitors:
  - {id: hm, pool_id: app, type: HTTP, delay: 5, timeout: 3, max_retries: 2, expected_codes: 200}
)";

class ApplyTest : public ::testing::Test {
protected:
    void SetUp() override {
        temp_dir_.write("server.crt", kServerPem);
        temp_dir_.write("server.key", kServerKeyPem);
        temp_dir_.write("ca.crt", kCaPem);
    }

    // Reads `text` and fails the test on any error.
    DesiredState read(const std::string& text) {
        DesiredStateResult result = read_desired_state_text(text, dir_);
        for (const std::string& error : result.errors) {
            ADD_FAILURE() << error;
        }
        return result.state;
    }

    ::tollgate::test::TempDir temp_dir_;
    const std::filesystem::path dir_ = temp_dir_.path();
};

inline const DesiredResource* find_resource(const DesiredState& state, Kind kind,
                                            const std::string& file_id) {
    for (const DesiredResource& resource : state.resources) {
        if (resource.kind == kind && resource.file_id == file_id) {
            return &resource;
        }
    }
    return nullptr;
}

}  // namespace tollgate::client::test
