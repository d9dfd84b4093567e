#include "tls/certificate_check.h"

#include "core/check.h"
#include "tls/openssl_error.h"
#include "tls/pem.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string_view>

namespace tollgate::tls {
namespace {

using std::chrono::system_clock;

constexpr std::string_view kTypeField = "type";
constexpr std::string_view kCertificateField = "certificate";
constexpr std::string_view kPrivateKeyField = "private_key";

// BEGIN lines that identify the content of a text. "-----BEGIN CERTIFICATE-----" does not occur
// inside "-----BEGIN CERTIFICATE REQUEST-----", so a substring search keeps them apart.
constexpr std::array<std::string_view, 3> kCertificateMarkers = {
    "-----BEGIN CERTIFICATE-----", "-----BEGIN X509 CERTIFICATE-----", "-----BEGIN TRUSTED CERTIFICATE-----"};
constexpr std::array<std::string_view, 6> kPrivateKeyMarkers = {
    "-----BEGIN PRIVATE KEY-----",     "-----BEGIN RSA PRIVATE KEY-----",
    "-----BEGIN EC PRIVATE KEY-----",  "-----BEGIN ENCRYPTED PRIVATE KEY-----",
    "-----BEGIN DSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----"};
constexpr std::array<std::string_view, 2> kTraditionalKeyMarkers = {"-----BEGIN RSA PRIVATE KEY-----",
                                                                    "-----BEGIN EC PRIVATE KEY-----"};
constexpr std::array<std::string_view, 2> kRequestMarkers = {"-----BEGIN CERTIFICATE REQUEST-----",
                                                             "-----BEGIN NEW CERTIFICATE REQUEST-----"};
constexpr std::array<std::string_view, 1> kPkcs7Markers = {"-----BEGIN PKCS7-----"};

constexpr std::string_view kReorderChainHint =
    "List each certificate followed by the CA certificate that issued it, starting with the server "
    "certificate, and leave out certificates of other chains.";

enum class UploadType { Server, Client };

// Kind of binary data found in a field.
enum class BinaryContent { Certificate, PrivateKey, Pkcs12, Unknown };

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};

void add_error(CertificateCheck& check, std::string_view field, std::string message) {
    check.errors.push_back(FieldProblem{std::string(field), std::move(message)});
}

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// PEM is text. DER and PKCS#12 data always contain control bytes, because ASN.1 tags such as
// INTEGER (0x02) and OBJECT IDENTIFIER (0x06) are below 0x20.
bool is_binary(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](unsigned char c) {
        return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
    });
}

template <std::size_t N>
std::optional<std::string_view> find_marker(std::string_view text,
                                            const std::array<std::string_view, N>& markers) {
    for (std::string_view marker : markers) {
        if (text.find(marker) != std::string_view::npos) {
            return marker;
        }
    }
    return std::nullopt;
}

BinaryContent identify_binary(std::string_view data) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    const auto size = static_cast<long>(data.size());

    const unsigned char* position = bytes;
    if (X509Ptr certificate(d2i_X509(nullptr, &position, size)); certificate != nullptr) {
        return BinaryContent::Certificate;
    }
    position = bytes;
    if (PKCS12* bundle = d2i_PKCS12(nullptr, &position, size); bundle != nullptr) {
        PKCS12_free(bundle);
        return BinaryContent::Pkcs12;
    }
    position = bytes;
    if (EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &position, size)); key != nullptr) {
        return BinaryContent::PrivateKey;
    }
    return BinaryContent::Unknown;
}

// Turns a clause such as a message of pem.h ("certificate 2 is not ...") into a sentence.
std::string as_sentence(std::string clause) {
    if (!clause.empty()) {
        clause.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(clause.front())));
    }
    if (!clause.ends_with('.')) {
        clause += '.';
    }
    return clause;
}

std::string_view certificate_file(std::optional<UploadType> type) {
    return type == UploadType::Client ? "ca.crt" : "server.crt";
}

// Describes the expected content of the certificate field for "Paste ..." sentences.
std::string_view expected_certificates(std::optional<UploadType> type) {
    if (!type) {
        return "the certificates";
    }
    return *type == UploadType::Server ? "the server certificate followed by its intermediate CA certificates"
                                       : "the CA certificates that issue the client certificates";
}

std::string describe_certificate(std::size_t index, const CertificateFacts& facts) {
    return fmt::format("certificate {} \"{}\"", index + 1, facts.subject);
}

std::optional<UploadType> check_type(const std::string& type, CertificateCheck& check) {
    if (type == "server") {
        return UploadType::Server;
    }
    if (type == "client") {
        return UploadType::Client;
    }
    add_error(check, kTypeField,
              fmt::format("Type {:?} is invalid. Use \"server\" for a server certificate with its private "
                          "key, or \"client\" for CA certificates that verify client certificates.",
                          type));
    return std::nullopt;
}

std::string binary_certificate_message(BinaryContent content, std::optional<UploadType> type) {
    const std::string_view file = certificate_file(type);
    switch (content) {
        case BinaryContent::Certificate:
            return fmt::format(
                "The certificate is in binary DER form. Convert it to PEM with openssl x509 -inform DER -in "
                "certificate.der -out {0} and upload {0}.",
                file);
        case BinaryContent::Pkcs12:
            if (type == UploadType::Server) {
                return "The certificate field contains a PKCS#12 file (.p12 or .pfx). Extract the "
                       "certificates with openssl pkcs12 -in bundle.p12 -nokeys -out server.crt and the key "
                       "with openssl pkcs12 -in bundle.p12 -nocerts -nodes -out server.key, then upload "
                       "both in PEM form.";
            }
            return fmt::format(
                "The certificate field contains a PKCS#12 file (.p12 or .pfx). Extract the certificates "
                "with openssl pkcs12 -in bundle.p12 -nokeys -out {0} and upload {0}.",
                file);
        case BinaryContent::PrivateKey:
            return "The certificate field contains a private key in binary DER form and no certificate. "
                   "Upload the certificate in PEM form, starting with -----BEGIN CERTIFICATE-----.";
        case BinaryContent::Unknown:
            break;
    }
    return "The certificate field contains binary data that is neither a DER certificate nor a PKCS#12 "
           "file. Upload the certificate in PEM form, starting with -----BEGIN CERTIFICATE-----.";
}

// Explains a certificate text without a CERTIFICATE block, naming what was pasted instead.
// `parse_error` is the message of parse_certificates, which names the blocks it found.
std::string no_certificate_message(std::string_view text, std::optional<UploadType> type,
                                   const std::string& parse_error) {
    if (const auto marker = find_marker(text, kPrivateKeyMarkers)) {
        if (type == UploadType::Client) {
            return fmt::format(
                "The certificate field contains a private key ({}) and no certificate. Paste the CA "
                "certificates, starting with -----BEGIN CERTIFICATE-----. A CA certificate bundle needs no "
                "private key.",
                *marker);
        }
        return fmt::format(
            "The certificate field contains a private key ({}) and no certificate. Put the key in "
            "private_key and paste the server certificate, starting with -----BEGIN CERTIFICATE-----, in "
            "certificate.",
            *marker);
    }
    if (const auto marker = find_marker(text, kRequestMarkers)) {
        return fmt::format(
            "The certificate field contains a certificate signing request ({}), not a certificate. Send "
            "the request to your CA and upload the certificate that it issues.",
            *marker);
    }
    if (const auto marker = find_marker(text, kPkcs7Markers)) {
        return fmt::format(
            "The certificate field contains a PKCS#7 bundle ({0}). Convert it to PEM certificates with "
            "openssl pkcs7 -print_certs -in bundle.p7b -out {1} and upload {1}.",
            *marker, certificate_file(type));
    }

    return fmt::format("{} Paste {} in PEM form, as openssl x509 -in {} prints them.",
                       as_sentence(parse_error), expected_certificates(type), certificate_file(type));
}

std::vector<X509Ptr> check_certificate_field(std::string_view text, std::optional<UploadType> type,
                                             CertificateCheck& check) {
    if (is_blank(text)) {
        add_error(check, kCertificateField,
                  fmt::format("The certificate is missing. Paste {} in PEM form, starting with -----BEGIN "
                              "CERTIFICATE-----.",
                              expected_certificates(type)));
        return {};
    }
    if (text.size() > kMaxCertificateCharacters) {
        add_error(check, kCertificateField,
                  fmt::format("The certificate text has {} characters, more than the maximum of {}. Upload "
                              "only {}, without other text.",
                              text.size(), kMaxCertificateCharacters, expected_certificates(type)));
        return {};
    }
    if (is_binary(text)) {
        add_error(check, kCertificateField, binary_certificate_message(identify_binary(text), type));
        return {};
    }

    auto certificates = parse_certificates(text);
    if (!certificates && !find_marker(text, kCertificateMarkers)) {
        add_error(check, kCertificateField, no_certificate_message(text, type, certificates.error().message));
        return {};
    }
    if (!certificates) {
        add_error(check, kCertificateField,
                  fmt::format("{} Paste each certificate in full, from its -----BEGIN CERTIFICATE----- line "
                              "to its -----END CERTIFICATE----- line.",
                              as_sentence(certificates.error().message)));
        return {};
    }

    // normalized_certificate leaves such a key out, so the upload is rejected instead of
    // losing the key without a word.
    if (const auto marker = find_marker(text, kPrivateKeyMarkers)) {
        add_error(check, kCertificateField,
                  type == UploadType::Client
                      ? fmt::format("The certificate field contains a private key ({}) besides the CA "
                                    "certificates. Remove the key, because a CA certificate bundle needs no "
                                    "private key.",
                                    *marker)
                      : fmt::format("The certificate field contains a private key ({}) besides the "
                                    "certificates. Remove the key from certificate and upload it in "
                                    "private_key.",
                                    *marker));
    }
    if (type == UploadType::Server && certificates->size() > kMaxServerChainCertificates) {
        add_error(check, kCertificateField,
                  fmt::format("The chain has {} certificates, more than the maximum of {}. Upload the server "
                              "certificate and the intermediate CA certificates that link it to a root CA, "
                              "and leave out the root CA and unrelated certificates.",
                              certificates->size(), kMaxServerChainCertificates));
    }
    return std::move(*certificates);
}

std::string binary_key_message(BinaryContent content) {
    switch (content) {
        case BinaryContent::PrivateKey:
            return "The private key is in binary DER form. Convert it to PEM with openssl pkey -inform DER "
                   "-in server-key.der -out server.key and upload server.key.";
        case BinaryContent::Pkcs12:
            return "The private key field contains a PKCS#12 file (.p12 or .pfx). Extract the key with "
                   "openssl pkcs12 -in bundle.p12 -nocerts -nodes -out server.key and upload server.key.";
        case BinaryContent::Certificate:
            return "The private key field contains a certificate in binary DER form and no private key. "
                   "Upload the private key in PEM form, as openssl pkey -in server.key prints it.";
        case BinaryContent::Unknown:
            break;
    }
    return "The private key field contains binary data that is not a DER private key. Upload the private key "
           "in PEM form, as openssl pkey -in server.key prints it.";
}

// The same test as parse_private_key makes, so that the message can give the decrypt command
// with the file names of the server key.
bool is_encrypted_key(std::string_view text) {
    return text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
           (text.find("Proc-Type:") != std::string_view::npos &&
            text.find("ENCRYPTED") != std::string_view::npos);
}

EvpPkeyPtr check_private_key_field(std::string_view text, std::optional<UploadType> type,
                                   CertificateCheck& check) {
    if (type == UploadType::Client) {
        if (!is_blank(text)) {
            add_error(check, kPrivateKeyField,
                      "Type client takes only CA certificates, which need no private key. Leave private_key "
                      "empty, so that no key is stored by mistake.");
        }
        return nullptr;
    }
    if (is_blank(text)) {
        if (type == UploadType::Server) {
            add_error(check, kPrivateKeyField,
                      "The private key is missing. A server certificate needs the private key that was "
                      "generated with it, in PEM form, as openssl pkey -in server.key prints it.");
        }
        return nullptr;
    }
    if (text.size() > kMaxPrivateKeyCharacters) {
        add_error(check, kPrivateKeyField,
                  fmt::format("The private key text has {} characters, more than the maximum of {}. Upload "
                              "only the private key in PEM form, as openssl pkey -in server.key prints it.",
                              text.size(), kMaxPrivateKeyCharacters));
        return nullptr;
    }
    if (is_binary(text)) {
        add_error(check, kPrivateKeyField, binary_key_message(identify_binary(text)));
        return nullptr;
    }
    if (!find_marker(text, kPrivateKeyMarkers)) {
        if (const auto marker = find_marker(text, kCertificateMarkers)) {
            add_error(check, kPrivateKeyField,
                      fmt::format("The private key field contains a certificate ({}) and no private key. Put "
                                  "the certificate in certificate and the private key that was generated "
                                  "with it, a block such as -----BEGIN PRIVATE KEY-----, in private_key.",
                                  *marker));
            return nullptr;
        }
    }
    if (is_encrypted_key(text)) {
        add_error(check, kPrivateKeyField,
                  "The private key is encrypted with a passphrase, which tollgate cannot enter. Decrypt it "
                  "with openssl pkey -in server.key -out server-decrypted.key, which asks for the "
                  "passphrase, and upload server-decrypted.key.");
        return nullptr;
    }

    auto key = parse_private_key(text);
    if (!key) {
        add_error(
            check, kPrivateKeyField,
            fmt::format("{} Upload the private key in PEM form, as openssl pkey -in server.key prints it.",
                        as_sentence(key.error().message)));
        return nullptr;
    }
    return std::move(*key);
}

// Requires the key to belong to the first certificate. A key of a later certificate means
// the chain was pasted root first or in another wrong order.
void check_key_match(const std::vector<X509Ptr>& certificates, const std::vector<CertificateFacts>& chain,
                     EVP_PKEY* key, CertificateCheck& check) {
    if (X509_check_private_key(certificates.front().get(), key) == 1) {
        return;
    }
    // X509_check_private_key queues "key values mismatch" and similar entries.
    ERR_clear_error();

    for (std::size_t i = 1; i < certificates.size(); ++i) {
        if (X509_check_private_key(certificates[i].get(), key) == 1) {
            add_error(
                check, kCertificateField,
                fmt::format("The private key matches {}, not {}, so the chain is in the wrong order. Put "
                            "the certificate that matches the key first, followed by the CA "
                            "certificates that issued it.",
                            describe_certificate(i, chain[i]), describe_certificate(0, chain[0])));
            return;
        }
        ERR_clear_error();
    }

    add_error(check, kPrivateKeyField,
              fmt::format("The private key does not match {}{}. Upload the key that was generated with this "
                          "certificate. For a matching pair, openssl x509 -in server.crt -noout -pubkey and "
                          "openssl pkey -in server.key -pubout print the same public key.",
                          describe_certificate(0, chain[0]),
                          certificates.size() > 1 ? " or any other certificate of the chain" : ""));
}

// Weaknesses that certificate_weaknesses leaves out, because they matter for an upload but
// would add warnings to every listener built from an existing configuration.
std::vector<std::string> upload_weaknesses(const CertificateFacts& facts, CertificateRole role,
                                           system_clock::time_point now) {
    std::vector<std::string> weaknesses;
    if (role == CertificateRole::ClientCa && facts.key_usage_present && !facts.key_usage_cert_sign) {
        weaknesses.push_back(
            "The CA certificate has a keyUsage extension without keyCertSign, so OpenSSL does not accept it "
            "as the issuer of client certificates. Reissue it with keyUsage=critical,keyCertSign,cRLSign.");
    }
    if (role == CertificateRole::ServerChainCa && facts.version != 1 && !facts.basic_constraints_ca) {
        weaknesses.push_back(
            facts.basic_constraints_present
                ? "The CA certificate has basicConstraints CA:FALSE, so clients do not accept it as the "
                  "issuer of the certificate before it in the chain. Reissue it with "
                  "basicConstraints=critical,CA:TRUE."
                : "The CA certificate has no basicConstraints CA:TRUE, so browsers do not accept it as the "
                  "issuer of the certificate before it in the chain, and OpenSSL accepts it only if its "
                  "keyUsage includes keyCertSign. Reissue it with basicConstraints=critical,CA:TRUE.");
    }
    if (role == CertificateRole::Server && facts.extended_key_usage_present &&
        !facts.extended_key_usage_server_auth) {
        weaknesses.push_back(
            "The certificate has an extendedKeyUsage extension without serverAuth, so browsers and OpenSSL "
            "clients reject it as a server certificate. Reissue it with extendedKeyUsage=serverAuth.");
    }
    if (facts.not_after >= now && facts.not_after - now < kExpiryWarningPeriod) {
        weaknesses.push_back(
            fmt::format("The certificate expires on {}, less than {} days from now. Renew it and upload the "
                        "new certificate before then, because clients reject it from that time on.",
                        format_rfc3339(facts.not_after), kExpiryWarningPeriod.count()));
    }
    return weaknesses;
}

CertificateRole role_of(UploadType type, std::size_t index) {
    if (type == UploadType::Client) {
        return CertificateRole::ClientCa;
    }
    return index == 0 ? CertificateRole::Server : CertificateRole::ServerChainCa;
}

void add_certificate_warnings(const std::vector<CertificateFacts>& chain, UploadType type,
                              system_clock::time_point now, CertificateCheck& check) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const CertificateRole role = role_of(type, i);
        std::vector<std::string> weaknesses = certificate_weaknesses(chain[i], role, now);
        for (std::string& weakness : upload_weaknesses(chain[i], role, now)) {
            weaknesses.push_back(std::move(weakness));
        }
        for (const std::string& weakness : weaknesses) {
            check.warnings.push_back(
                as_sentence(fmt::format("{}: {}", describe_certificate(i, chain[i]), weakness)));
        }
    }
}

// Checks that each certificate of a server chain is issued by the next one, by name and by
// signature, as clients that build the path from the chain require.
void check_chain_order(const std::vector<X509Ptr>& certificates, const std::vector<CertificateFacts>& chain,
                       CertificateCheck& check) {
    for (std::size_t i = 0; i + 1 < certificates.size(); ++i) {
        X509* certificate = certificates[i].get();
        X509* next = certificates[i + 1].get();
        const std::string name = describe_certificate(i, chain[i]);

        if (X509_NAME_cmp(X509_get_issuer_name(certificate), X509_get_subject_name(next)) != 0) {
            check.warnings.push_back(as_sentence(fmt::format(
                "{} is issued by \"{}\", but the next certificate is \"{}\", so clients that need the chain "
                "fail to verify it. {}",
                name, chain[i].issuer, chain[i + 1].subject, kReorderChainHint)));
            continue;
        }
        if (X509_verify(certificate, X509_get0_pubkey(next)) != 1) {
            ERR_clear_error();
            check.warnings.push_back(as_sentence(fmt::format(
                "{} names \"{}\" as its issuer, but its signature does not verify with the key of the next "
                "certificate, so clients that need the chain fail to verify it. The next certificate is "
                "probably another CA certificate with the same name, such as a renewed one. Use the CA "
                "certificate that issued certificate {}.",
                name, chain[i].issuer, i + 1)));
        }
    }
}

// Adds the warnings about `certificates`, whose facts must already be in check.chain.
void add_warnings(const std::vector<X509Ptr>& certificates, UploadType type, system_clock::time_point now,
                  CertificateCheck& check) {
    add_certificate_warnings(check.chain, type, now, check);
    if (type == UploadType::Server) {
        check_chain_order(certificates, check.chain, check);
    }
}

// Writes the key in PEM form: traditional (PKCS#1, SEC1) when it was uploaded so, else PKCS#8.
// Returns nothing when OpenSSL cannot encode the key.
std::optional<std::string> private_key_pem(EVP_PKEY* key, bool traditional) {
    // A secure-heap BIO clears the key text from its memory when it is freed.
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_secmem()));
    TG_CHECK(bio != nullptr);
    const int written =
        traditional
            ? PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
            : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    if (written != 1) {
        return std::nullopt;
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

bool is_traditional_key(std::string_view text, EVP_PKEY* key) {
    const int id = EVP_PKEY_get_base_id(key);
    return find_marker(text, kTraditionalKeyMarkers).has_value() && (id == EVP_PKEY_RSA || id == EVP_PKEY_EC);
}

}  // namespace

CertificateCheck check_certificate_upload(const CertificateUpload& upload, system_clock::time_point now) {
    OpensslErrorScope error_scope;
    CertificateCheck check;

    const std::optional<UploadType> type = check_type(upload.type, check);
    const std::vector<X509Ptr> certificates = check_certificate_field(upload.certificate, type, check);
    const EvpPkeyPtr key = check_private_key_field(upload.private_key, type, check);

    for (const X509Ptr& certificate : certificates) {
        check.chain.push_back(inspect_certificate(certificate.get()));
        check.normalized_certificate += to_pem(certificate.get());
    }
    if (key != nullptr) {
        check.key_type = key_type_name(key.get());
        check.key_bits = EVP_PKEY_get_bits(key.get());
        const auto pem = private_key_pem(key.get(), is_traditional_key(upload.private_key, key.get()));
        if (pem) {
            check.normalized_private_key = *pem;
        } else {
            add_error(
                check, kPrivateKeyField,
                fmt::format("The {} private key could not be encoded in PEM form ({}). Upload an RSA or "
                            "EC key.",
                            check.key_type, take_openssl_errors()));
        }
    }

    if (!certificates.empty() && key != nullptr) {
        check_key_match(certificates, check.chain, key.get(), check);
    }
    if (type && !certificates.empty()) {
        add_warnings(certificates, *type, now, check);
    }
    return check;
}

std::vector<std::string> certificate_warnings(std::string_view type, std::string_view certificate,
                                              system_clock::time_point now) {
    OpensslErrorScope error_scope;
    CertificateCheck check;
    const std::optional<UploadType> upload_type = check_type(std::string(type), check);
    auto certificates = parse_certificates(certificate);
    if (!upload_type || !certificates) {
        return {};
    }
    for (const X509Ptr& parsed : *certificates) {
        check.chain.push_back(inspect_certificate(parsed.get()));
    }
    add_warnings(*certificates, *upload_type, now, check);
    return check.warnings;
}

}  // namespace tollgate::tls
