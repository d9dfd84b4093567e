#include "cli/pki_output.h"

#include "pki/pkcs12.h"
#include "tls/certificate_info.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace tollgate::cli {
namespace {

namespace fs = std::filesystem;

// The port that the printed curl commands use. The README's examples listen on it too.
constexpr int kExamplePort = 8443;

constexpr const char* kCaCertificatePurpose =
    "CA certificate: tollgate verifies client certificates with it, clients verify the server with it";

std::string quoted(const fs::path& path) {
    return shell_quote(path.string());
}

std::string absolute_path(const fs::path& path) {
    std::error_code error;
    const fs::path resolved = fs::absolute(path, error);
    return error ? path.string() : resolved.lexically_normal().string();
}

std::string key_description(const tls::CertificateFacts& facts) {
    if (facts.key_type == "EC" && (facts.key_bits == 256 || facts.key_bits == 384)) {
        return fmt::format("ECDSA P-{}", facts.key_bits);
    }
    return fmt::format("{} {}", facts.key_type, facts.key_bits);
}

std::string joined_names(const tls::CertificateFacts& facts) {
    std::string joined;
    for (const std::string& name : facts.subject_alt_names) {
        joined += (joined.empty() ? "" : ", ") + name;
    }
    return joined;
}

// "CN=..., ECDSA P-256, ecdsa-with-SHA256, serial ..., valid until ...", with the
// subjectAltName when there is one.
std::string summary(const tls::CertificateFacts& facts) {
    std::string text = facts.subject;
    if (!facts.subject_alt_names.empty()) {
        text += fmt::format(" ({})", joined_names(facts));
    }
    return text + fmt::format(", {}, signed with {}, serial {}, valid until {}", key_description(facts),
                              facts.signature_algorithm, facts.serial_hex,
                              tls::format_rfc3339(facts.not_after));
}

// The host name that printed curl commands connect to: the first DNS name, else the first
// IP address (IPv6 in brackets), else localhost.
std::string example_host(const tls::CertificateFacts& server) {
    for (std::string_view prefix : {"DNS:", "IP:"}) {
        for (const std::string& name : server.subject_alt_names) {
            if (name.starts_with(prefix)) {
                std::string host = name.substr(prefix.size());
                return host.find(':') != std::string::npos ? "[" + host + "]" : host;
            }
        }
    }
    return "localhost";
}

void print_file(std::ostream& out, const fs::path& path, std::string_view description, std::size_t width) {
    const std::string name = path.string();
    out << "  " << name << std::string(width > name.size() ? width - name.size() : 0, ' ') << "  "
        << description << "\n";
}

void print_certificate_commands(std::ostream& out, const fs::path& server_certificate,
                                const fs::path& server_key, const fs::path& ca_certificate) {
    out << fmt::format(
        "  tollgate certificate create --name server --type server --certificate {} --private-key {}\n"
        "  tollgate certificate create --name client-ca --type client --certificate {}\n",
        quoted(server_certificate), quoted(server_key), quoted(ca_certificate));
    // A configuration file resolves relative paths against its own folder, so the example
    // names the files by absolute paths.
    out << "  or in a configuration file for tollgate serve --config:\n";
    out << fmt::format(
        "    certificates:\n"
        "      - {{id: server, type: server, certificate_file: {}, private_key_file: {}}}\n"
        "      - {{id: client-ca, type: client, certificate_file: {}}}\n",
        absolute_path(server_certificate), absolute_path(server_key), absolute_path(ca_certificate));
}

std::string curl_command(const fs::path& ca_certificate, const fs::path& client_certificate,
                         const fs::path& client_key, const std::string& host) {
    return fmt::format("curl --cacert {} --cert {} --key {} https://{}:{}/", quoted(ca_certificate),
                       quoted(client_certificate), quoted(client_key), host, kExamplePort);
}

void print_browser_import(std::ostream& out, const fs::path& p12_file, const fs::path& password_file) {
    const std::string password_option = password_file.empty() ? "" : " -w " + quoted(password_file);
    out << fmt::format(
        "  Firefox: Settings > Privacy & Security > Certificates > View Certificates > Your Certificates > "
        "Import, then choose {}\n"
        "  Chrome and Chromium on Linux read the NSS database in ~/.pki/nssdb:\n"
        "    pk12util -i {} -d sql:$HOME/.pki/nssdb{}\n",
        p12_file.string(), quoted(p12_file), password_option);
}

}  // namespace

std::string shell_quote(const std::string& text) {
    const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("_./-:=@%+,").find(c) != std::string_view::npos;
    });
    if (plain) {
        return text;
    }
    std::string quoted = "'";
    for (char c : text) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

void print_ca_result(std::ostream& out, const pki::IssuedFiles& ca) {
    const std::size_t width = std::max(ca.certificate_file.string().size(), ca.key_file.string().size());
    out << "Created the CA " << summary(ca.facts) << ":\n";
    print_file(out, ca.certificate_file, kCaCertificatePurpose, width);
    print_file(out, ca.key_file,
               "CA private key, mode 0600: signs server and client certificates; keep it secret", width);
    const fs::path ca_dir =
        ca.certificate_file.parent_path().empty() ? fs::path(".") : ca.certificate_file.parent_path();
    out << "\nNext steps:\n";
    out << fmt::format("  tollgate pki server --ca {} --dns HOST --out server\n", quoted(ca_dir));
    out << fmt::format("  tollgate pki client --ca {} --cn NAME --out client\n", quoted(ca_dir));
    out << fmt::format("  tollgate certificate create --name client-ca --type client --certificate {}\n",
                       quoted(ca.certificate_file));
}

void print_server_result(std::ostream& out, const pki::IssuedFiles& server, const fs::path& ca_dir) {
    const std::size_t width =
        std::max(server.certificate_file.string().size(), server.key_file.string().size());
    out << "Issued the server certificate " << summary(server.facts) << ":\n";
    print_file(out, server.certificate_file,
               "server certificate alone, without the CA: clients verify it with the CA certificate", width);
    print_file(out, server.key_file, "its private key, mode 0600", width);
    out << "\nNext steps: give tollgate the server certificate and the CA that verifies clients\n";
    print_certificate_commands(out, server.certificate_file, server.key_file, ca_dir / "ca.crt");
}

void print_client_result(std::ostream& out, const pki::IssuedFiles& client, const fs::path& ca_dir) {
    const std::size_t width =
        std::max(client.certificate_file.string().size(), client.key_file.string().size());
    out << "Issued the client certificate " << summary(client.facts) << ":\n";
    print_file(out, client.certificate_file, "client certificate for curl and other programs that read PEM",
               width);
    print_file(out, client.key_file, "its private key, mode 0600", width);
    const fs::path p12_file = client.certificate_file.parent_path() / "client.p12";
    out << "\nNext steps:\n";
    out << "  " << curl_command(ca_dir / "ca.crt", client.certificate_file, client.key_file, "HOST") << "\n";
    out << fmt::format("  tollgate pki p12 --cert {} --key {} --ca {} --out {}   # a bundle for browsers\n",
                       quoted(client.certificate_file), quoted(client.key_file), quoted(ca_dir / "ca.crt"),
                       quoted(p12_file));
}

void print_pkcs12_result(std::ostream& out, const fs::path& p12_file) {
    out << fmt::format(
        "Wrote {}, mode 0600: the certificate and its private key for browsers, as PKCS#12 encrypted with "
        "AES-256-CBC (PBKDF2 with HMAC-SHA-256, {} iterations) and a SHA-256 MAC.\n",
        p12_file.string(), pki::pkcs12_iterations());
    out << "\nNext steps: import it with the password\n";
    print_browser_import(out, p12_file, {});
}

void print_quickstart_result(std::ostream& out, const pki::QuickstartFiles& files) {
    const std::pair<fs::path, std::string> rows[] = {
        {files.ca.certificate_file, kCaCertificatePurpose},
        {files.ca.key_file,
         "CA private key, mode 0600: signs more certificates with tollgate pki server/client"},
        {files.server.certificate_file,
         "server certificate for " + joined_names(files.server.facts) + ", without the CA certificate"},
        {files.server.key_file, "its private key, mode 0600"},
        {files.client.certificate_file, "client certificate (" + files.client.facts.subject + ") for curl"},
        {files.client.key_file, "its private key, mode 0600"},
        {files.p12_file, "client certificate, key and CA certificate for browsers, mode 0600"},
        {files.password_file, "the generated password of client.p12, mode 0600"},
    };
    std::size_t width = 0;
    for (const auto& [path, description] : rows) {
        width = std::max(width, path.string().size());
    }
    out << "Created a CA, a server certificate and a client certificate, all "
        << key_description(files.ca.facts) << ":\n";
    for (const auto& [path, description] : rows) {
        if (!path.empty()) {
            print_file(out, path, description, width);
        }
    }
    out << "\nCA " << summary(files.ca.facts) << "\n";
    out << "server " << summary(files.server.facts) << "\n";
    out << "client " << summary(files.client.facts) << "\n";

    out << "\n1. Give tollgate the server certificate and the CA that verifies clients:\n";
    print_certificate_commands(out, files.server.certificate_file, files.server.key_file,
                               files.ca.certificate_file);
    out << fmt::format("\n2. Call an HTTPS listener on port {} with the client certificate:\n", kExamplePort);
    out << "  "
        << curl_command(files.ca.certificate_file, files.client.certificate_file, files.client.key_file,
                        example_host(files.server.facts))
        << "\n";
    out << "\n3. Import the client certificate into a browser"
        << (files.password_file.empty() ? " with the password you chose" : "") << ":\n";
    print_browser_import(out, files.p12_file, files.password_file);
}

}  // namespace tollgate::cli
