#pragma once

// Fixture for the configuration loader tests: a temporary folder with PEM files at the
// paths of the minimal example, and helpers that build documents around one resource.

#include "model/config_loader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tollgate::model::testing {

// PEM-shaped text. The loader only looks for a -----BEGIN block, so no real DER is needed.
inline const std::string kServerCertificatePem =
    "-----BEGIN CERTIFICATE-----\nTUlJQnNlcnZlcg==\n-----END CERTIFICATE-----\n";
inline const std::string kServerKeyPem =
    "-----BEGIN PRIVATE KEY-----\nTUlJRXNlcnZlcg==\n-----END PRIVATE KEY-----\n";
inline const std::string kCaCertificatePem =
    "-----BEGIN CERTIFICATE-----\nTUlJQmNh\n-----END CERTIFICATE-----\n";

inline const std::string kCertificates = R"(certificates:
  - {id: srv, type: server, certificate_file: server/server.crt, private_key_file: server/server.key}
  - {id: ca,  type: client, certificate_file: ca/ca.crt}
)";

inline const std::string kLoadbalancers = R"(loadbalancers:
  - {id: lb1, vip_address: 127.0.0.1}
)";

inline const std::string kPools = R"(pools:
  - id: app
    lb_algorithm: ROUND_ROBIN
    protocol: HTTP
    members: [{address: 127.0.0.1, protocol_port: 8080, weight: 1}]
)";

// The fields of an HTTPS listener that loads without errors, for flow mappings.
inline const std::string kHttpsListenerFields =
    "id: web, loadbalancer_id: lb1, protocol: HTTPS, protocol_port: 8443, default_tls_container_ref: srv";
inline const std::string kHttpListenerFields =
    "id: plain, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 8080";

// The minimal example document, whose relative paths resolve in the fixture's folder.
inline const std::string kMinimalDocument = kCertificates + kLoadbalancers + R"(listeners:
  - id: web
    loadbalancer_id: lb1
    protocol: HTTPS
    protocol_port: 8443
    default_tls_container_ref: srv
    client_ca_tls_container_ref: ca
    default_pool_id: app
    insert_headers: {X-Forwarded-Clientcert-subjectdn-enable: true, X-Forwarded-Clientcert-fingerprint-enable: true}
)" + kPools;

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "tollgate-config-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        write_file("server/server.crt", kServerCertificatePem);
        write_file("server/server.key", kServerKeyPem);
        write_file("ca/ca.crt", kCaCertificatePem);
    }

    void TearDown() override { std::filesystem::remove_all(dir_); }

    void write_file(const std::string& relative, const std::string& content) {
        std::filesystem::path path = dir_ / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::binary);
        out << content;
        ASSERT_TRUE(out.good()) << path;
    }

    LoadResult load(const std::string& document) { return load_config_text(document, dir_); }

    // Loads the certificates, load balancer and pool of the minimal example with the given
    // listeners, each written as the inside of a flow mapping.
    LoadResult load_listeners(const std::vector<std::string>& listener_fields) {
        std::string document = kCertificates + kLoadbalancers + kPools + "listeners:\n";
        for (const auto& fields : listener_fields) {
            document += "  - {" + fields + "}\n";
        }
        return load(document);
    }

    LoadResult load_listener(const std::string& fields) { return load_listeners({fields}); }

    // Loads one pool, written as the inside of a flow mapping, next to the minimal example's
    // load balancer and an HTTP listener.
    LoadResult load_pool(const std::string& fields) {
        return load(kLoadbalancers + "listeners:\n  - {" + kHttpListenerFields + "}\npools:\n  - {" + fields +
                    "}\n");
    }

    static std::vector<std::string> error_lines(const LoadResult& result) {
        std::vector<std::string> lines;
        for (const auto& error : result.errors) {
            lines.push_back(error.to_string());
        }
        return lines;
    }

    std::filesystem::path dir_;
};

}  // namespace tollgate::model::testing
