// tollgate cert inspect and tollgate cert verify, which find out offline why a listener
// rejects a client certificate.

#include "cli/cert_command.h"

#include "cli/client_common.h"
#include "client/resource_fields.h"
#include "tls/certificate_check.h"
#include "tls/client_verdict.h"
#include "tls/openssl_error.h"
#include "tls/pem.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

namespace tollgate::cli {
namespace {

using client::Json;
using std::chrono::system_clock;

constexpr const char* kPasswordVariable = "TOLLGATE_P12_PASSWORD";
constexpr std::size_t kMaxPasswordCharacters = 1024;
constexpr int kLabelWidth = 22;

enum class FileFormat { Pem, Der, Pkcs12 };
constexpr std::array<std::string_view, 3> kFormatNames = {"PEM", "DER", "PKCS#12"};  // by FileFormat

// Kind of check for a file: an upload type of the API, or a kind of file the API does not take.
enum class CheckedAs { Server, Client, ClientCertificate, ServerCertificate, PrivateKey, Unreadable };
// The names of CheckedAs values in -o json output, by value.
constexpr std::array<std::string_view, 6> kCheckedAsCodes = {
    "server", "client", "client_certificate", "server_certificate", "private_key", "unreadable"};

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct Pkcs12Free {
    void operator()(PKCS12* bundle) const { PKCS12_free(bundle); }
};

// The content of one file of the command line.
struct FileContent {
    std::string path;
    FileFormat format = FileFormat::Pem;
    std::string text;           // PEM: the file without private key blocks; DER and PKCS#12: re-encoded
    std::string key_text;       // PEM of the private key, empty without one
    std::string key_path;       // file the key came from, when it is another file
    bool key_mismatch = false;  // the key from or for another file matches none of its certificates
    std::vector<tls::X509Ptr> certificates;
    tls::EvpPkeyPtr key;
    std::string load_error;              // why the file could not be read, empty when it could
    std::vector<std::string> api_notes;  // the API's message about a binary upload
};

// Reads a whole file of at most kMaxPemFileBytes.
core::Result<std::string> read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return core::Error::invalid(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    }
    std::string data;
    std::array<char, 65536> buffer{};
    while (file && data.size() <= client::kMaxPemFileBytes) {
        file.read(buffer.data(), buffer.size());
        data.append(buffer.data(), static_cast<std::size_t>(file.gcount()));
    }
    if (file.bad()) {
        return core::Error::invalid(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    if (data.size() > client::kMaxPemFileBytes) {
        return core::Error::invalid(
            fmt::format("{} is larger than 1 MiB, so it is no certificate file", path));
    }
    return data;
}

// PEM text of a key, from a secure-heap BIO that clears its memory when freed.
std::string key_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_secmem()));
    if (bio == nullptr ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return "";
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

bool is_binary(std::string_view data) {
    return std::any_of(data.begin(), data.end(), [](unsigned char c) {
        return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
    });
}

// Moves the private key blocks of a PEM text into `key_text`, so that the rest can be checked
// as the certificate field and the key as the private_key field.
void split_pem(const std::string& data, FileContent& content) {
    std::size_t position = 0;
    while (position < data.size()) {
        const std::size_t begin = data.find("-----BEGIN ", position);
        const std::size_t line_end = begin == std::string::npos ? begin : data.find('\n', begin);
        const std::string_view begin_line = begin == std::string::npos
                                                ? std::string_view()
                                                : std::string_view(data).substr(begin, line_end - begin);
        if (begin == std::string::npos || begin_line.find("PRIVATE KEY-----") == std::string_view::npos) {
            const std::size_t next = begin == std::string::npos ? data.size() : data.find('\n', begin);
            const std::size_t stop = next == std::string::npos ? data.size() : next + 1;
            content.text += data.substr(position, stop - position);
            position = stop;
            continue;
        }
        content.text += data.substr(position, begin - position);
        const std::size_t end = data.find("-----END ", begin);
        const std::size_t end_line = end == std::string::npos ? std::string::npos : data.find('\n', end);
        const std::size_t stop = end_line == std::string::npos ? data.size() : end_line + 1;
        content.key_text += data.substr(begin, stop - begin);
        position = stop;
    }
}

// Returns the password given for PKCS#12 files: --password-file, else TOLLGATE_P12_PASSWORD.
core::Result<std::optional<std::string>> given_password(const std::string& password_file) {
    if (!password_file.empty()) {
        auto data = read_file(password_file);
        if (!data) {
            return data.error();
        }
        std::string password = data->substr(0, data->find_first_of("\r\n"));
        return std::optional<std::string>(std::move(password));
    }
    if (const char* variable = std::getenv(kPasswordVariable); variable != nullptr) {
        return std::optional<std::string>(variable);
    }
    return std::optional<std::string>();
}

// Asks for the password on the terminal without echo.
std::optional<std::string> prompt_password(const std::string& path) {
    if (::isatty(STDIN_FILENO) != 1) {
        return std::nullopt;
    }
    std::array<char, kMaxPasswordCharacters> buffer{};
    const std::string prompt = fmt::format("Password of {}: ", path);
    if (EVP_read_pw_string(buffer.data(), static_cast<int>(buffer.size()), prompt.c_str(), 0) != 0) {
        return std::nullopt;
    }
    std::string password(buffer.data());
    OPENSSL_cleanse(buffer.data(), buffer.size());
    return password;
}

// Returns whether `password` opens `bundle`: its MAC verifies with it, or it has none. An
// empty password also tries no password, as PKCS12_parse does.
bool opens(PKCS12* bundle, const std::string& password) {
    if (PKCS12_mac_present(bundle) != 1 || PKCS12_verify_mac(bundle, password.c_str(), -1) == 1) {
        return true;
    }
    return password.empty() && PKCS12_verify_mac(bundle, nullptr, 0) == 1;
}

// Decodes the key and certificates of `bundle` into `content`. OpenSSL 1.1 encrypted the
// certificates with RC2 by default, which OpenSSL 3 decrypts only with its legacy provider,
// so a failed parse is repeated with that provider loaded.
bool parse_bundle(PKCS12* bundle, const std::string& password, FileContent& content) {
    EVP_PKEY* key = nullptr;
    X509* certificate = nullptr;
    STACK_OF(X509)* cas = nullptr;
    if (PKCS12_parse(bundle, password.c_str(), &key, &certificate, &cas) != 1) {
        ERR_clear_error();
        // Loading a provider stops the automatic loading of the default one, so both are loaded.
        if (OSSL_PROVIDER_load(nullptr, "legacy") == nullptr ||
            OSSL_PROVIDER_load(nullptr, "default") == nullptr ||
            PKCS12_parse(bundle, password.c_str(), &key, &certificate, &cas) != 1) {
            return false;
        }
    }
    content.key.reset(key);
    if (certificate != nullptr) {
        content.certificates.emplace_back(certificate);
    }
    for (int i = 0; cas != nullptr && i < sk_X509_num(cas); ++i) {
        content.certificates.emplace_back(sk_X509_value(cas, i));
    }
    sk_X509_free(cas);
    return true;
}

void load_pkcs12(const std::string& data, const std::optional<std::string>& supplied_password,
                 FileContent& content) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    std::unique_ptr<PKCS12, Pkcs12Free> bundle(d2i_PKCS12(nullptr, &bytes, static_cast<long>(data.size())));
    std::optional<std::string> password = supplied_password;
    if (!password && opens(bundle.get(), "")) {
        password = "";
    }
    if (!password) {
        password = prompt_password(content.path);
    }
    if (!password) {
        content.load_error = fmt::format(
            "{} is protected by a password. Give it with --password-file FILE or in the environment variable "
            "{}.",
            content.path, kPasswordVariable);
        return;
    }

    ERR_clear_error();
    if (!opens(bundle.get(), *password)) {
        content.load_error = fmt::format(
            "the password does not open {}, because the file's integrity check (MAC) fails with it. Check "
            "the password.",
            content.path);
    } else if (!parse_bundle(bundle.get(), *password, content)) {
        content.load_error =
            fmt::format("{} could not be decoded ({}).", content.path, tls::take_openssl_errors());
    }
    OPENSSL_cleanse(password->data(), password->size());
}

// Loads the certificates and key of a binary file: a DER certificate or key, or PKCS#12.
void load_binary(const std::string& data, const std::optional<std::string>& password, FileContent& content) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    const auto size = static_cast<long>(data.size());
    const unsigned char* position = bytes;
    if (tls::X509Ptr certificate(d2i_X509(nullptr, &position, size)); certificate != nullptr) {
        content.format = FileFormat::Der;
        content.certificates.push_back(std::move(certificate));
        return;
    }
    position = bytes;
    if (std::unique_ptr<PKCS12, Pkcs12Free> bundle(d2i_PKCS12(nullptr, &position, size)); bundle != nullptr) {
        content.format = FileFormat::Pkcs12;
        load_pkcs12(data, password, content);
        return;
    }
    position = bytes;
    if (tls::EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &position, size)); key != nullptr) {
        content.format = FileFormat::Der;
        content.key = std::move(key);
        return;
    }
    content.load_error = fmt::format(
        "{} contains binary data that is neither a DER certificate or key nor a PKCS#12 file.", content.path);
}

FileContent load_file(const std::string& path, const std::optional<std::string>& password) {
    tls::OpensslErrorScope error_scope;
    FileContent content;
    content.path = path;
    auto data = read_file(path);
    if (!data) {
        content.load_error = data.error().message;
        return content;
    }
    if (!is_binary(*data)) {
        split_pem(*data, content);
        if (auto certificates = tls::parse_certificates(content.text)) {
            content.certificates = std::move(*certificates);
        }
        if (!content.key_text.empty()) {
            if (auto key = tls::parse_private_key(content.key_text)) {
                content.key = std::move(*key);
            }
        }
        return content;
    }
    load_binary(*data, password, content);
    if (!content.certificates.empty()) {
        // The API takes PEM only, and its message gives the command that converts the file.
        const tls::CertificateCheck api_view = tls::check_certificate_upload(
            {content.key != nullptr ? "server" : "client", *data, ""}, system_clock::now());
        for (const tls::FieldProblem& problem : api_view.errors) {
            if (problem.field == "certificate") {
                content.api_notes.push_back(problem.message);
            }
        }
    }
    for (const tls::X509Ptr& certificate : content.certificates) {
        content.text += tls::to_pem(certificate.get());
    }
    if (content.key != nullptr) {
        content.key_text = key_pem(content.key.get());
    }
    return content;
}

// Gives `certificate_file`, which has certificates and no key, a reference to the key of `key_file`.
void give_key(FileContent& key_file, FileContent& certificate_file, bool mismatch) {
    certificate_file.key_text = key_file.key_text;
    certificate_file.key_path = key_file.path;
    EVP_PKEY_up_ref(key_file.key.get());
    certificate_file.key.reset(key_file.key.get());
    certificate_file.key_mismatch = mismatch;
    key_file.key_path = certificate_file.path;
    key_file.key_mismatch = mismatch;
}

bool is_key_only(const FileContent& file) {
    return file.key != nullptr && file.certificates.empty() && file.key_path.empty();
}

bool is_keyless_certificates(const FileContent& file) {
    return file.key == nullptr && !file.certificates.empty();
}

// Returns the keyless certificate file with a certificate that `key` matches, or nullptr. Only
// first certificates count when `first_only`, and any certificate otherwise (a chain in the wrong order).
FileContent* matching_certificate_file(std::vector<FileContent>& files, EVP_PKEY* key, bool first_only) {
    for (FileContent& file : files) {
        if (!is_keyless_certificates(file)) {
            continue;
        }
        const std::size_t count = first_only ? 1 : file.certificates.size();
        for (std::size_t i = 0; i < count; ++i) {
            if (X509_check_private_key(file.certificates[i].get(), key) == 1) {
                return &file;
            }
        }
    }
    return nullptr;
}

// Gives a file of certificates without a key the key of another file, as in `cert inspect
// server.crt server.key`, so that the file is checked as an upload of both. A key goes to the
// file whose first certificate it matches, else to a file with another certificate that it
// matches, where the check reports the wrong order. When one key and one file whose first
// certificate is not a CA remain unpaired, they are paired too, and the check reports the mismatch.
void pair_keys(std::vector<FileContent>& files) {
    for (bool first_only : {true, false}) {
        for (FileContent& key_file : files) {
            if (!is_key_only(key_file)) {
                continue;
            }
            FileContent* certificate_file = matching_certificate_file(files, key_file.key.get(), first_only);
            ERR_clear_error();
            if (certificate_file != nullptr) {
                give_key(key_file, *certificate_file, false);
            }
        }
    }

    std::vector<FileContent*> keys;
    std::vector<FileContent*> leaves;
    for (FileContent& file : files) {
        if (is_key_only(file)) {
            keys.push_back(&file);
        } else if (is_keyless_certificates(file) && X509_check_ca(file.certificates.front().get()) == 0) {
            leaves.push_back(&file);
        }
    }
    if (keys.size() == 1 && leaves.size() == 1) {
        give_key(*keys.front(), *leaves.front(), true);
    }
}

// The outcome of inspecting one file.
struct Inspection {
    std::string path;
    std::string format;
    CheckedAs as = CheckedAs::Unreadable;
    std::string description;  // what the file was checked as, in words
    std::vector<tls::CertificateReport> certificates;
    std::string key_type;
    int key_bits = 0;
    std::vector<tls::FieldProblem> errors;
    std::vector<std::string> warnings;
};

bool is_ca(const tls::CertificateFacts& facts) {
    return facts.basic_constraints_ca || (facts.version == 1 && facts.self_signed);
}

bool has_usage(const tls::CertificateReport& report, std::string_view usage) {
    return std::find(report.extended_key_usages.begin(), report.extended_key_usages.end(), usage) !=
           report.extended_key_usages.end();
}

// Picks what a file is checked as when --type is not given. A key makes it a server upload,
// unless the certificate is for client authentication only, or is in a PKCS#12 file and not
// for server authentication only, as client certificates usually are.
CheckedAs choose_check(const FileContent& file, const std::vector<tls::CertificateReport>& reports) {
    if (reports.empty()) {
        if (file.key != nullptr) {
            return CheckedAs::PrivateKey;
        }
        return file.key_text.empty() ? CheckedAs::Client : CheckedAs::Server;
    }
    const tls::CertificateReport& leaf = reports.front();
    const bool server_only = has_usage(leaf, "serverAuth") && !has_usage(leaf, "clientAuth");
    const bool client_only = has_usage(leaf, "clientAuth") && !has_usage(leaf, "serverAuth");
    if (file.key != nullptr || !file.key_text.empty()) {
        if (client_only || (file.format == FileFormat::Pkcs12 && !server_only)) {
            return CheckedAs::ClientCertificate;
        }
        return CheckedAs::Server;
    }
    if (std::all_of(reports.begin(), reports.end(),
                    [](const tls::CertificateReport& report) { return is_ca(report.facts); })) {
        return CheckedAs::Client;
    }
    return server_only ? CheckedAs::ServerCertificate : CheckedAs::ClientCertificate;
}

// Describes the check of `file`. `client_usage` is true when its first certificate's
// extendedKeyUsage includes clientAuth.
std::string describe_check(CheckedAs as, const FileContent& file, bool client_usage) {
    const std::string key_source = file.key_path.empty() ? "" : fmt::format(" from {}", file.key_path);
    const std::string_view key_owner = file.key_mismatch ? "the" : "its";
    switch (as) {
        case CheckedAs::Server:
            return fmt::format("a server certificate with {} private key{}, as the API checks type server",
                               key_owner, key_source);
        case CheckedAs::Client:
            return "CA certificates that verify clients, as the API checks type client";
        case CheckedAs::ClientCertificate:
            if (file.key != nullptr) {
                return fmt::format("a client certificate with {} private key{}", key_owner, key_source);
            }
            if (client_usage) {
                return "a client certificate";
            }
            return "a certificate without its private key, checked as a client certificate. Give its key "
                   "file too, or --type server, to check it as a server certificate";
        case CheckedAs::ServerCertificate:
            return "a server certificate without its private key";
        case CheckedAs::PrivateKey:
            if (file.key_path.empty()) {
                return "a private key that matches no certificate of the other files";
            }
            if (file.key_mismatch) {
                return fmt::format(
                    "a private key that matches no certificate of the other files, checked with "
                    "{}, the only certificate file without a key",
                    file.key_path);
            }
            return fmt::format("the private key of the certificate in {}", file.key_path);
        case CheckedAs::Unreadable:
            break;
    }
    return "an unreadable file";
}

void add_prefixed_warnings(const std::vector<std::string>& warnings, std::size_t index,
                           const tls::CertificateFacts& facts, Inspection& inspection) {
    for (const std::string& warning : warnings) {
        inspection.warnings.push_back(
            fmt::format("Certificate {} \"{}\": {}", index + 1, facts.subject, warning));
    }
}

void check_client_certificate(const FileContent& file, Inspection& inspection, system_clock::time_point now) {
    for (std::size_t i = 0; i < inspection.certificates.size(); ++i) {
        const tls::CertificateReport& report = inspection.certificates[i];
        add_prefixed_warnings(
            i == 0 ? tls::client_certificate_warnings(report, now)
                   : tls::certificate_weaknesses(report.facts, tls::CertificateRole::ServerChainCa, now),
            i, report.facts, inspection);
    }
    if (file.key != nullptr && X509_check_private_key(file.certificates.front().get(), file.key.get()) != 1) {
        ERR_clear_error();
        inspection.errors.push_back(
            {"private_key", fmt::format("The private key does not match certificate 1 \"{}\". Use the key "
                                        "that was generated with this certificate.",
                                        inspection.certificates.front().facts.subject)});
    }
}

Inspection inspect_file(const FileContent& file, std::optional<CheckedAs> forced,
                        system_clock::time_point now) {
    Inspection inspection;
    inspection.path = file.path;
    inspection.format = std::string(kFormatNames[static_cast<std::size_t>(file.format)]);
    if (!file.load_error.empty()) {
        inspection.description = describe_check(CheckedAs::Unreadable, file, false);
        inspection.errors.push_back({"file", file.load_error});
        return inspection;
    }
    for (const tls::X509Ptr& certificate : file.certificates) {
        inspection.certificates.push_back(tls::report_certificate(certificate.get()));
    }
    if (file.key != nullptr) {
        inspection.key_type = tls::key_type_name(file.key.get());
        inspection.key_bits = EVP_PKEY_get_bits(file.key.get());
    }
    inspection.as =
        forced && !inspection.certificates.empty() ? *forced : choose_check(file, inspection.certificates);
    inspection.description = describe_check(
        inspection.as, file,
        !inspection.certificates.empty() && has_usage(inspection.certificates.front(), "clientAuth"));

    switch (inspection.as) {
        case CheckedAs::Server:
        case CheckedAs::Client: {
            for (const std::string& note : file.api_notes) {
                inspection.warnings.push_back("Upload: " + note);
            }
            const bool server = inspection.as == CheckedAs::Server;
            const tls::CertificateCheck check = tls::check_certificate_upload(
                {server ? "server" : "client", file.text, server ? file.key_text : ""}, now);
            inspection.errors.insert(inspection.errors.end(), check.errors.begin(), check.errors.end());
            inspection.warnings.insert(inspection.warnings.end(), check.warnings.begin(),
                                       check.warnings.end());
            break;
        }
        case CheckedAs::ClientCertificate:
            check_client_certificate(file, inspection, now);
            break;
        case CheckedAs::ServerCertificate:
            for (const std::string& warning : tls::certificate_warnings("server", file.text, now)) {
                inspection.warnings.push_back(warning);
            }
            break;
        case CheckedAs::PrivateKey:
        case CheckedAs::Unreadable:
            break;
    }
    return inspection;
}

void print_fact(const std::string& label, const std::string& value) {
    std::cout << fmt::format("  {:<{}}{}\n", label + ":", kLabelWidth, value);
}

std::string listed(const std::vector<std::string>& values) {
    return values.empty() ? std::string("none") : fmt::format("{}", fmt::join(values, ", "));
}

void print_certificate(std::size_t index, const tls::CertificateReport& report) {
    const tls::CertificateFacts& facts = report.facts;
    std::cout << fmt::format("certificate {}\n", index + 1);
    print_fact("subject", facts.subject);
    print_fact("issuer", facts.issuer);
    print_fact("subject alt names", listed(facts.subject_alt_names));
    print_fact("serial", facts.serial_hex);
    print_fact("sha256 fingerprint", facts.fingerprint_sha256);
    print_fact("not before", report.not_before);
    print_fact("not after", report.not_after);
    print_fact("key", fmt::format("{} {} bits", facts.key_type, facts.key_bits));
    print_fact("signature algorithm", facts.signature_algorithm);
    print_fact("CA", facts.basic_constraints_ca ? "yes" : "no");
    print_fact("key usage", listed(report.key_usages));
    print_fact("extended key usage", listed(report.extended_key_usages));
}

std::string count(std::size_t number, std::string_view noun) {
    return fmt::format("{} {}{}", number, noun, number == 1 ? "" : "s");
}

void print_inspection(const Inspection& inspection) {
    std::cout << fmt::format("{} ({}): {}\n", inspection.path, inspection.format, inspection.description);
    for (std::size_t i = 0; i < inspection.certificates.size(); ++i) {
        print_certificate(i, inspection.certificates[i]);
    }
    if (!inspection.key_type.empty()) {
        std::cout << fmt::format("private key: {} {} bits\n", inspection.key_type, inspection.key_bits);
    }
    for (const std::string& warning : inspection.warnings) {
        std::cout << "warning: " << warning << "\n";
    }
    for (const tls::FieldProblem& error : inspection.errors) {
        std::cout << fmt::format("error: {}: {}\n", error.field, error.message);
    }
    std::cout << fmt::format("result: {}, {}\n", count(inspection.errors.size(), "error"),
                             count(inspection.warnings.size(), "warning"));
}

Json certificate_json(const tls::CertificateReport& report) {
    const tls::CertificateFacts& facts = report.facts;
    return Json{
        {"subject", facts.subject},
        {"issuer", facts.issuer},
        {"subject_alternative_names", facts.subject_alt_names},
        {"serial_number", facts.serial_hex},
        {"fingerprint", facts.fingerprint_sha256},
        {"not_before", report.not_before},
        {"not_after", report.not_after},
        {"key_type", facts.key_type},
        {"key_bits", facts.key_bits},
        {"signature_algorithm", facts.signature_algorithm},
        {"ca", facts.basic_constraints_ca},
        {"key_usages", report.key_usages},
        {"extended_key_usages", report.extended_key_usages},
    };
}

Json inspection_json(const Inspection& inspection) {
    Json certificates = Json::array();
    for (const tls::CertificateReport& report : inspection.certificates) {
        certificates.push_back(certificate_json(report));
    }
    Json errors = Json::array();
    for (const tls::FieldProblem& error : inspection.errors) {
        errors.push_back(Json{{"field", error.field}, {"message", error.message}});
    }
    Json key = inspection.key_type.empty()
                   ? Json(nullptr)
                   : Json{{"key_type", inspection.key_type}, {"key_bits", inspection.key_bits}};
    return Json{{"file", inspection.path},
                {"format", inspection.format},
                {"checked_as", kCheckedAsCodes[static_cast<std::size_t>(inspection.as)]},
                {"certificates", std::move(certificates)},
                {"private_key", std::move(key)},
                {"errors", std::move(errors)},
                {"warnings", inspection.warnings}};
}

struct InspectCommand {
    std::vector<std::string> files;
    std::string password_file;
    std::string type;
    std::string output = "table";
};

std::optional<CheckedAs> forced_check(const std::string& type) {
    if (type == "server") {
        return CheckedAs::Server;
    }
    if (type == "client") {
        return CheckedAs::Client;
    }
    if (type == "client-certificate") {
        return CheckedAs::ClientCertificate;
    }
    return std::nullopt;
}

int run_inspect(const InspectCommand& command) {
    auto password = given_password(command.password_file);
    if (!password) {
        return report_error(password.error().message, kExitInvalidInput);
    }
    std::vector<FileContent> files;
    for (const std::string& path : command.files) {
        files.push_back(load_file(path, *password));
    }
    pair_keys(files);

    const auto now = system_clock::now();
    bool failed = false;
    Json all = Json::array();
    for (std::size_t i = 0; i < files.size(); ++i) {
        const Inspection inspection = inspect_file(files[i], forced_check(command.type), now);
        failed = failed || !inspection.errors.empty();
        if (command.output == "json") {
            all.push_back(inspection_json(inspection));
            continue;
        }
        std::cout << (i == 0 ? "" : "\n");
        print_inspection(inspection);
    }
    if (command.output == "json") {
        std::cout << all.dump(2) << "\n";
    }
    return failed ? kExitFailed : 0;
}

struct VerifyCommand {
    ClientFlags client;
    std::string listener;
    std::string certificate_file;
    std::string chain_file;
    std::string password_file;
};

// Returns the certificates to send, as PEM: those of the client file, leaf first, then
// those of --chain. Private keys stay on this machine.
core::Result<std::string> certificates_to_send(const VerifyCommand& command) {
    auto password = given_password(command.password_file);
    if (!password) {
        return password.error();
    }
    std::string pem;
    for (const std::string& path : {command.certificate_file, command.chain_file}) {
        if (path.empty()) {
            continue;
        }
        const FileContent file = load_file(path, *password);
        if (!file.load_error.empty()) {
            return core::Error::invalid(file.load_error);
        }
        if (file.certificates.empty() && (file.key != nullptr || !file.key_text.empty())) {
            return core::Error::invalid(fmt::format(
                "{} contains a private key and no certificate. Give the file of the client certificate.",
                path));
        }
        if (file.certificates.empty()) {
            auto parsed = tls::parse_certificates(file.text);
            return core::Error::invalid(
                fmt::format("{}: {}", path, parsed ? "no certificate found" : parsed.error().message));
        }
        for (const tls::X509Ptr& certificate : file.certificates) {
            pem += tls::to_pem(certificate.get());
        }
    }
    return pem;
}

void print_verdict(const Json& verdict) {
    const bool accepted = verdict.value("accepted", false);
    std::cout << (accepted ? std::string("accepted")
                           : fmt::format("rejected: {}", client::text_field(verdict, "reason")))
              << "\n"
              << client::text_field(verdict, "message") << "\n\n";
    std::cout << fmt::format(
        "listener {}: client_authentication {}, security level {}, client_verify_depth {}, CA bundle {}\n",
        client::text_field(verdict, "listener_id"), client::text_field(verdict, "client_authentication"),
        client::integer_field(verdict, "security_level"),
        client::integer_field(verdict, "client_verify_depth"),
        client::text_field(verdict, "client_ca_tls_container_ref"));
    std::cout << "chain:\n";
    int position = 0;
    for (const Json& entry : verdict.value("chain", Json::array())) {
        std::cout << fmt::format("  {}. {} (from the {}), issued by {}, valid until {}\n", ++position,
                                 client::text_field(entry, "subject"),
                                 client::text_field(entry, "source") == "bundle" ? "CA bundle" : "client",
                                 client::text_field(entry, "issuer"), client::text_field(entry, "not_after"));
    }
}

int run_verify(const VerifyCommand& command) {
    auto pem = certificates_to_send(command);
    if (!pem) {
        return report_error(pem.error().message, kExitInvalidInput);
    }
    auto opened = open_session(command.client);
    if (!opened.session) {
        return opened.exit_code;
    }
    client::NameResolver resolver(*opened.session->api);
    auto listener_id = resolver.resolve(client::Kind::Listener, command.listener);
    if (!listener_id) {
        return report_error(listener_id.error().message);
    }

    const std::string target = fmt::format("/v3/{}/elb/listeners/{}/verify-client-certificate",
                                           client::encode_path_segment(opened.session->api->project()),
                                           client::encode_path_segment(*listener_id));
    auto response = opened.session->transport->send({"POST", target, Json{{"certificate", *pem}}.dump()});
    if (!response) {
        return report_error(response.error().message);
    }
    if (response->status != 200) {
        return report_error(client::api_error(*response).message);
    }
    const Json body = Json::parse(response->body, nullptr, false);
    if (!body.is_object() || !body.contains("verdict") || !body["verdict"].is_object()) {
        return report_error("unexpected response from the API: no \"verdict\" object in the answer to POST " +
                            target);
    }
    const Json& verdict = body["verdict"];
    if (command.client.json()) {
        std::cout << verdict.dump(2) << "\n";
    } else {
        print_verdict(verdict);
    }
    return verdict.value("accepted", false) ? 0 : kExitFailed;
}

void add_password_flag(CLI::App& command, std::string& password_file) {
    command
        .add_option(
            "--password-file", password_file,
            "File whose first line is the password of PKCS#12 files (default: $TOLLGATE_P12_PASSWORD, else a "
            "prompt on a terminal)")
        ->type_name("FILE");
}

void add_inspect(CLI::App& group) {
    auto command = std::make_shared<InspectCommand>();
    auto* leaf = group.add_subcommand(
        "inspect",
        "Show the facts, errors and warnings that the API's upload check finds in certificate files");
    leaf->add_option(
            "files", command->files,
            "PEM (certificate, chain, CA bundle, key), DER or PKCS#12 (.p12, .pfx) files; a key file is "
            "checked with the certificate file it matches")
        ->required()
        ->type_name("FILE");
    add_password_flag(*leaf, command->password_file);
    leaf->add_option("--type", command->type,
                     "Check as: server (certificate and key), client (CA certificates) or client-certificate "
                     "(default: chosen from the content)")
        ->check(CLI::IsMember({"server", "client", "client-certificate"}))
        ->type_name("TYPE");
    leaf->add_option("-o,--output", command->output, "Output format: table, or json for scripts")
        ->check(CLI::IsMember({"table", "json"}))
        ->type_name("FORMAT")
        ->capture_default_str();
    leaf->callback(command_callback([command] { return run_inspect(*command); }));
}

void add_verify(CLI::App& group) {
    auto command = std::make_shared<VerifyCommand>();
    auto* leaf = group.add_subcommand(
        "verify", "Ask a running tollgate whether a listener accepts a client certificate, and why not");
    leaf->add_option("--listener", command->listener, "The listener (id or name)")
        ->required()
        ->type_name("ID|NAME");
    leaf->add_option("certificate", command->certificate_file,
                     "The client certificate: PEM, DER or PKCS#12; a private key in it is not sent")
        ->required()
        ->type_name("FILE");
    leaf->add_option("--chain", command->chain_file,
                     "PEM file with the intermediate CA certificates the client sends")
        ->type_name("FILE");
    add_password_flag(*leaf, command->password_file);
    add_client_flags(*leaf, command->client);
    leaf->callback(command_callback([command] { return run_verify(*command); }));
}

}  // namespace

void add_cert_command(CLI::App& app) {
    auto* group = app.add_subcommand("cert", "Inspect certificate files and check client certificates");
    group->require_subcommand(1);
    add_inspect(*group);
    add_verify(*group);
}

}  // namespace tollgate::cli
