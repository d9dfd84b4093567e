#include "pki/issuance.h"

#include "pki/certificate.h"
#include "pki/files.h"
#include "pki/password.h"
#include "pki/pkcs12.h"
#include "tls/openssl_error.h"
#include "tls/pem.h"

#include <fmt/format.h>
#include <openssl/x509v3.h>

#include <tuple>

namespace tollgate::pki {
namespace {

namespace fs = std::filesystem;

// A certificate and its private key, in memory.
struct KeyPair {
    tls::X509Ptr certificate;
    tls::EvpPkeyPtr key;
};

struct Paths {
    fs::path certificate;
    fs::path key;
};

Paths paths_in(const fs::path& dir, const std::string& stem) {
    return {dir / (stem + ".crt"), dir / (stem + ".key")};
}

core::Result<KeyPair> issue(const CertificateSpec& spec, const KeySpec& key_spec, const KeyPair* issuer,
                            std::chrono::system_clock::time_point now) {
    if (auto checked = check_certificate_spec(spec); !checked) {
        return checked.error();
    }
    auto key = generate_key(key_spec);
    if (!key) {
        return key.error();
    }
    Issuer signer{issuer != nullptr ? issuer->certificate.get() : nullptr,
                  issuer != nullptr ? issuer->key.get() : nullptr};
    auto certificate = issue_certificate(spec, key->get(), issuer != nullptr ? &signer : nullptr, now);
    if (!certificate) {
        return certificate.error();
    }
    return KeyPair{std::move(*certificate), std::move(*key)};
}

// Appends the PEM files of `pair` to `files` and returns what the caller reports about them.
core::Result<IssuedFiles> add_pair_files(const KeyPair& pair, const Paths& paths,
                                         std::vector<OutputFile>& files) {
    auto key_pem = private_key_pem(pair.key.get());
    if (!key_pem) {
        return key_pem.error();
    }
    files.push_back({paths.certificate, tls::to_pem(pair.certificate.get()), false});
    files.push_back({paths.key, std::move(*key_pem), true});
    return IssuedFiles{paths.certificate, paths.key, tls::inspect_certificate(pair.certificate.get())};
}

// Writes a newly issued certificate and its key to `paths`.
core::Result<IssuedFiles> write_pair(const KeyPair& pair, const Paths& paths, bool force) {
    std::vector<OutputFile> files;
    auto issued = add_pair_files(pair, paths, files);
    if (!issued) {
        return issued;
    }
    if (auto written = write_output_files(files, force); !written) {
        return written.error();
    }
    return issued;
}

core::Result<tls::X509Ptr> load_certificate(const fs::path& path, std::string_view what) {
    auto text = read_small_file(path, what);
    if (!text) {
        return text.error();
    }
    auto certificates = tls::parse_certificates(*text);
    if (!certificates) {
        return core::Error::invalid(
            fmt::format("the {} {} is invalid: {}", what, path.string(), certificates.error().message));
    }
    return std::move(certificates->front());
}

core::Result<tls::EvpPkeyPtr> load_key(const fs::path& path, std::string_view what) {
    auto text = read_small_file(path, what);
    if (!text) {
        return text.error();
    }
    auto key = tls::parse_private_key(*text);
    if (!key) {
        return core::Error::invalid(
            fmt::format("the {} {} is invalid: {}", what, path.string(), key.error().message));
    }
    return key;
}

// Loads ca.crt and ca.key from `ca_dir` and checks that they belong together and that the
// certificate may sign others.
core::Result<KeyPair> load_ca(const fs::path& ca_dir) {
    const Paths paths = paths_in(ca_dir, "ca");
    if (!fs::exists(paths.certificate)) {
        return core::Error::invalid(
            fmt::format("the CA certificate {} does not exist; create a CA with "
                        "`tollgate pki ca --out {}` or pass the directory of yours",
                        paths.certificate.string(), ca_dir.string()));
    }
    auto certificate = load_certificate(paths.certificate, "CA certificate");
    if (!certificate) {
        return certificate.error();
    }
    auto key = load_key(paths.key, "CA private key");
    if (!key) {
        return key.error();
    }

    tls::OpensslErrorScope error_scope;
    // X509_check_ca also accepts a version 1 self-signed certificate, such as one made by
    // `openssl x509 -req -signkey` without -extfile, and rejects one whose keyUsage lacks
    // keyCertSign.
    if (X509_check_ca(certificate->get()) == 0) {
        return core::Error::invalid(
            fmt::format("{} is not a CA certificate (it lacks basicConstraints CA:TRUE or keyUsage "
                        "keyCertSign); create a CA "
                        "with `tollgate pki ca`",
                        paths.certificate.string()));
    }
    if (X509_check_private_key(certificate->get(), key->get()) != 1) {
        return core::Error::invalid(fmt::format("the private key {} does not belong to the CA certificate {}",
                                                paths.key.string(), paths.certificate.string()));
    }
    return KeyPair{std::move(*certificate), std::move(*key)};
}

CertificateSpec ca_spec(const std::string& common_name, int days) {
    return {Profile::Ca, common_name, {}, {}, days};
}

CertificateSpec server_spec(const LeafRequest& request) {
    CertificateSpec spec{Profile::Server, request.common_name, request.dns_names, request.ip_addresses,
                         request.days.value_or(kDefaultServerDays)};
    if (spec.common_name.empty()) {
        spec.common_name = !spec.dns_names.empty()      ? spec.dns_names.front()
                           : !spec.ip_addresses.empty() ? spec.ip_addresses.front()
                                                        : std::string();
    }
    return spec;
}

CertificateSpec client_spec(const LeafRequest& request) {
    return {Profile::Client, request.common_name, request.dns_names, request.ip_addresses,
            request.days.value_or(kDefaultClientDays)};
}

core::Result<IssuedFiles> create_leaf(const LeafRequest& request, const CertificateSpec& spec,
                                      const std::string& stem, std::chrono::system_clock::time_point now) {
    const Paths paths = paths_in(request.out_dir, stem);
    if (auto checked = check_output_paths({paths.certificate, paths.key}, request.force); !checked) {
        return checked.error();
    }
    if (auto checked = check_certificate_spec(spec); !checked) {
        return checked.error();
    }
    auto ca = load_ca(request.ca_dir);
    if (!ca) {
        return ca.error();
    }
    auto pair = issue(spec, request.key, &*ca, now);
    if (!pair) {
        return pair.error();
    }
    return write_pair(*pair, paths, request.force);
}

std::string friendly_name(X509* certificate) {
    X509_NAME* subject = X509_get_subject_name(certificate);
    const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index >= 0) {
        const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
        unsigned char* utf8 = nullptr;
        const int length = ASN1_STRING_to_UTF8(&utf8, value);
        if (length >= 0) {
            std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
            OPENSSL_free(utf8);
            return name;
        }
    }
    return tls::format_name(subject);
}

core::Result<std::string> pkcs12_bundle(const KeyPair& client, X509* ca_certificate,
                                        const std::string& password) {
    Pkcs12Contents contents;
    contents.certificate = client.certificate.get();
    contents.key = client.key.get();
    contents.ca_certificates.push_back(ca_certificate);
    contents.friendly_name = friendly_name(client.certificate.get());
    return create_pkcs12(contents, password);
}

// The files of `tollgate pki quickstart` below its output directory.
struct QuickstartLayout {
    Paths ca;
    Paths server;
    Paths client;
    fs::path p12;
    fs::path password;  // empty when the request gave the password

    std::vector<fs::path> outputs() const {
        std::vector<fs::path> paths = {
            ca.certificate, ca.key, server.certificate, server.key, client.certificate, client.key, p12};
        if (!password.empty()) {
            paths.push_back(password);
        }
        return paths;
    }
};

QuickstartLayout quickstart_layout(const QuickstartRequest& request) {
    QuickstartLayout layout;
    layout.ca = paths_in(request.out_dir / "ca", "ca");
    layout.server = paths_in(request.out_dir / "server", "server");
    layout.client = paths_in(request.out_dir / "client", "client");
    layout.p12 = request.out_dir / "client" / "client.p12";
    if (!request.password) {
        layout.password = request.out_dir / "client" / "client.p12.password";
    }
    return layout;
}

CertificateSpec quickstart_server_spec(const QuickstartRequest& request) {
    LeafRequest server;
    server.dns_names = request.dns_names;
    server.ip_addresses = request.ip_addresses;
    if (server.dns_names.empty() && server.ip_addresses.empty()) {
        server.dns_names = {kQuickstartDnsName};
        server.ip_addresses = {kQuickstartIpAddress};
    }
    server.days = request.days;
    return server_spec(server);
}

CertificateSpec quickstart_client_spec(const QuickstartRequest& request) {
    LeafRequest client;
    client.common_name = kQuickstartClientCommonName;
    client.days = request.days;
    return client_spec(client);
}

}  // namespace

core::Result<IssuedFiles> create_ca(const CaRequest& request, std::chrono::system_clock::time_point now) {
    const Paths paths = paths_in(request.out_dir, "ca");
    if (auto checked = check_output_paths({paths.certificate, paths.key}, request.force); !checked) {
        return checked.error();
    }
    auto pair = issue(ca_spec(request.common_name, request.days), request.key, nullptr, now);
    if (!pair) {
        return pair.error();
    }
    return write_pair(*pair, paths, request.force);
}

core::Result<IssuedFiles> create_server_certificate(const LeafRequest& request,
                                                    std::chrono::system_clock::time_point now) {
    return create_leaf(request, server_spec(request), "server", now);
}

core::Result<IssuedFiles> create_client_certificate(const LeafRequest& request,
                                                    std::chrono::system_clock::time_point now) {
    if (request.common_name.empty()) {
        return core::Error::invalid("a client certificate needs a common name: pass --cn NAME");
    }
    return create_leaf(request, client_spec(request), "client", now);
}

core::Result<fs::path> create_pkcs12_file(const Pkcs12Request& request) {
    if (auto checked = check_output_paths({request.out_file}, request.force); !checked) {
        return checked.error();
    }
    auto certificate = load_certificate(request.certificate_file, "certificate");
    if (!certificate) {
        return certificate.error();
    }
    auto key = load_key(request.key_file, "private key");
    if (!key) {
        return key.error();
    }
    std::vector<tls::X509Ptr> ca_certificates;
    if (!request.ca_file.empty()) {
        auto text = read_small_file(request.ca_file, "CA certificate");
        if (!text) {
            return text.error();
        }
        auto parsed = tls::parse_certificates(*text);
        if (!parsed) {
            return core::Error::invalid(fmt::format("the CA certificate {} is invalid: {}",
                                                    request.ca_file.string(), parsed.error().message));
        }
        ca_certificates = std::move(*parsed);
    }

    tls::OpensslErrorScope error_scope;
    if (X509_check_private_key(certificate->get(), key->get()) != 1) {
        return core::Error::invalid(fmt::format("the private key {} does not belong to the certificate {}",
                                                request.key_file.string(),
                                                request.certificate_file.string()));
    }
    Pkcs12Contents contents;
    contents.certificate = certificate->get();
    contents.key = key->get();
    for (const tls::X509Ptr& ca_certificate : ca_certificates) {
        contents.ca_certificates.push_back(ca_certificate.get());
    }
    contents.friendly_name = friendly_name(certificate->get());
    auto bundle = create_pkcs12(contents, request.password);
    if (!bundle) {
        return bundle.error();
    }
    if (auto written = write_output_files({{request.out_file, std::move(*bundle), true}}, request.force);
        !written) {
        return written.error();
    }
    return request.out_file;
}

core::Result<QuickstartFiles> run_quickstart(const QuickstartRequest& request,
                                             std::chrono::system_clock::time_point now) {
    const QuickstartLayout layout = quickstart_layout(request);
    if (auto checked = check_output_paths(layout.outputs(), request.force); !checked) {
        return checked.error();
    }
    const CertificateSpec specs[] = {ca_spec(kDefaultCaCommonName, request.days.value_or(kDefaultCaDays)),
                                     quickstart_server_spec(request), quickstart_client_spec(request)};
    for (const CertificateSpec& spec : specs) {
        if (auto checked = check_certificate_spec(spec); !checked) {
            return checked.error();
        }
    }

    auto ca = issue(specs[0], request.key, nullptr, now);
    if (!ca) {
        return ca.error();
    }
    auto server = issue(specs[1], request.key, &*ca, now);
    if (!server) {
        return server.error();
    }
    auto client = issue(specs[2], request.key, &*ca, now);
    if (!client) {
        return client.error();
    }
    auto password = request.password ? core::Result<std::string>(*request.password) : generate_password();
    if (!password) {
        return password.error();
    }
    auto bundle = pkcs12_bundle(*client, ca->certificate.get(), *password);
    if (!bundle) {
        return bundle.error();
    }

    std::vector<OutputFile> files;
    QuickstartFiles result;
    result.p12_file = layout.p12;
    result.password_file = layout.password;
    for (auto [pair, paths, target] :
         {std::tuple{&*ca, &layout.ca, &result.ca}, std::tuple{&*server, &layout.server, &result.server},
          std::tuple{&*client, &layout.client, &result.client}}) {
        auto issued = add_pair_files(*pair, *paths, files);
        if (!issued) {
            return issued.error();
        }
        *target = std::move(*issued);
    }
    files.push_back({layout.p12, std::move(*bundle), true});
    if (!layout.password.empty()) {
        files.push_back({layout.password, *password + "\n", true});
    }
    if (auto written = write_output_files(files, request.force); !written) {
        return written.error();
    }
    return result;
}

}  // namespace tollgate::pki
