#pragma once

// The operations of `tollgate pki`: each one issues certificates and writes them, with their
// keys, into files. The command line parses options into these requests and prints the results.

#include "core/error.h"
#include "pki/key.h"
#include "tls/certificate_info.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::pki {

// Validity defaults in days. Chrome 85 and later and Safari reject server certificates of
// public CAs that are valid for more than 398 days, and the period counts notBefore and
// notAfter inclusively. 397 days stays within that limit, and within the 825 days that
// Apple platforms allow for every TLS server certificate.
constexpr int kDefaultCaDays = 3650;
constexpr int kDefaultServerDays = 397;
constexpr int kDefaultClientDays = 825;

constexpr const char* kDefaultCaCommonName = "tollgate CA";
constexpr const char* kQuickstartClientCommonName = "tollgate client";
constexpr const char* kQuickstartDnsName = "localhost";
constexpr const char* kQuickstartIpAddress = "127.0.0.1";

struct CaRequest {
    std::filesystem::path out_dir;  // receives ca.crt and ca.key
    std::string common_name = kDefaultCaCommonName;
    KeySpec key;
    int days = kDefaultCaDays;
    bool force = false;  // replace existing files
};

// A server or client certificate issued by the CA in ca_dir (ca.crt and ca.key).
struct LeafRequest {
    std::filesystem::path ca_dir;
    std::filesystem::path out_dir;  // receives server.crt and server.key, or client.crt and client.key
    std::string common_name;        // required for a client; a server defaults to its first name
    std::vector<std::string> dns_names;
    std::vector<std::string> ip_addresses;
    KeySpec key;
    std::optional<int> days;  // default kDefaultServerDays or kDefaultClientDays
    bool force = false;
};

struct Pkcs12Request {
    std::filesystem::path certificate_file;
    std::filesystem::path key_file;
    std::filesystem::path ca_file;  // optional: its certificates are added to the bundle
    std::filesystem::path out_file;
    std::string password;
    bool force = false;
};

struct QuickstartRequest {
    std::filesystem::path out_dir;  // receives ca/, server/ and client/
    // Names of the server certificate; when both are empty, localhost and 127.0.0.1.
    std::vector<std::string> dns_names;
    std::vector<std::string> ip_addresses;
    KeySpec key;              // for all three keys
    std::optional<int> days;  // for all three certificates; each has its default otherwise
    // The .p12 password. Without one a password is generated and written to
    // client/client.p12.password.
    std::optional<std::string> password;
    bool force = false;
};

// One certificate and its private key as written.
struct IssuedFiles {
    std::filesystem::path certificate_file;
    std::filesystem::path key_file;
    tls::CertificateFacts facts;
};

struct QuickstartFiles {
    IssuedFiles ca;
    IssuedFiles server;
    IssuedFiles client;
    std::filesystem::path p12_file;
    std::filesystem::path password_file;  // empty when the request gave the password
};

// Creates a self-signed CA certificate and its key in request.out_dir.
core::Result<IssuedFiles> create_ca(
    const CaRequest& request, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Issues a server certificate with serverAuth and a subjectAltName of every DNS name and IP
// address. server.crt contains the certificate only, without the CA: clients verify it
// against the CA certificate that they hold.
core::Result<IssuedFiles> create_server_certificate(
    const LeafRequest& request, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Issues a client certificate with clientAuth.
core::Result<IssuedFiles> create_client_certificate(
    const LeafRequest& request, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Writes a certificate and its key, and optionally CA certificates, as a .p12 bundle (see
// create_pkcs12). The friendly name is the certificate's commonName.
core::Result<std::filesystem::path> create_pkcs12_file(const Pkcs12Request& request);

// Creates a CA, a server certificate, a client certificate and the client's .p12 bundle with
// the CA certificate. Checks every output path before it writes a file, and removes the files
// it wrote when a later write fails.
core::Result<QuickstartFiles> run_quickstart(
    const QuickstartRequest& request,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace tollgate::pki
