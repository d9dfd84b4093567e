#include "tls/client_verdict.h"

#include "core/check.h"
#include "tls/certificate_check.h"
#include "tls/openssl_error.h"
#include "tls/openssl_ptr.h"
#include "tls/pem.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <memory>

namespace tollgate::tls {
namespace {

using std::chrono::system_clock;

// Depth of the second verification that counts the intermediates of a chain that is longer
// than the listener's verify depth. OpenSSL's own default is 100.
constexpr int kCountingDepth = 100;
constexpr int kMinimumRsaBits = 2048;
// Number of bundle subjects that a message lists before it gives the count of the rest.
constexpr std::size_t kListedBundleSubjects = 5;
constexpr std::string_view kCaField = "client_ca_tls_container_ref";

struct StoreContextFree {
    void operator()(X509_STORE_CTX* context) const { X509_STORE_CTX_free(context); }
};
struct StackOfX509Free {
    void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using StoreContextPtr = std::unique_ptr<X509_STORE_CTX, StoreContextFree>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), StackOfX509Free>;

struct KeyUsageName {
    std::uint32_t bit;
    std::string_view name;
};

// RFC 5280 names of the keyUsage bits, as openssl x509 -text prints them in its config syntax.
constexpr std::array<KeyUsageName, 9> kKeyUsageNames = {{
    {KU_DIGITAL_SIGNATURE, "digitalSignature"},
    {KU_NON_REPUDIATION, "nonRepudiation"},
    {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
    {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
    {KU_KEY_AGREEMENT, "keyAgreement"},
    {KU_KEY_CERT_SIGN, "keyCertSign"},
    {KU_CRL_SIGN, "cRLSign"},
    {KU_ENCIPHER_ONLY, "encipherOnly"},
    {KU_DECIPHER_ONLY, "decipherOnly"},
}};

std::vector<std::string> key_usage_names(X509* certificate) {
    std::vector<std::string> names;
    if ((X509_get_extension_flags(certificate) & EXFLAG_KUSAGE) == 0) {
        return names;
    }
    const std::uint32_t usage = X509_get_key_usage(certificate);
    for (const KeyUsageName& entry : kKeyUsageNames) {
        if ((usage & entry.bit) != 0) {
            names.emplace_back(entry.name);
        }
    }
    return names;
}

std::vector<std::string> extended_key_usage_names(X509* certificate) {
    std::vector<std::string> names;
    auto* usages =
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(certificate, NID_ext_key_usage, nullptr, nullptr));
    if (usages == nullptr) {
        return names;
    }
    for (int i = 0; i < sk_ASN1_OBJECT_num(usages); ++i) {
        const ASN1_OBJECT* usage = sk_ASN1_OBJECT_value(usages, i);
        if (const int nid = OBJ_obj2nid(usage); nid != NID_undef) {
            names.emplace_back(OBJ_nid2sn(nid));
            continue;
        }
        std::array<char, 128> oid{};
        OBJ_obj2txt(oid.data(), static_cast<int>(oid.size()), usage, 1);
        names.emplace_back(oid.data());
    }
    EXTENDED_KEY_USAGE_free(usages);
    return names;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string join(const std::vector<std::string>& names) {
    return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

// "one intermediate CA certificate", "2 intermediate CA certificates".
std::string intermediate_count(std::size_t count) {
    return count == 1 ? std::string("one intermediate CA certificate")
                      : fmt::format("{} intermediate CA certificates", count);
}

std::string capitalize(std::string text) {
    if (!text.empty()) {
        text.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(text.front())));
    }
    return text;
}

// Name of the weak hash of a signature algorithm such as "sha1WithRSAEncryption".
std::string weak_digest_name(const std::string& signature_algorithm) {
    std::string lower = signature_algorithm;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::string_view digest : {"md5", "md4", "md2"}) {
        if (lower.find(digest) != std::string::npos) {
            std::string upper(digest);
            std::transform(upper.begin(), upper.end(), upper.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            return upper;
        }
    }
    return "SHA-1";
}

// Builds the trust store as build_server_context does for a listener with client
// authentication: every bundle certificate a trust anchor, partial chains allowed, purpose
// SSL client.
core::Result<X509StorePtr> trust_store(const std::vector<X509Ptr>& bundle, const ClientTrust& trust) {
    X509StorePtr store(X509_STORE_new());
    TG_CHECK(store != nullptr);
    for (std::size_t i = 0; i < bundle.size(); ++i) {
        if (X509_STORE_add_cert(store.get(), bundle[i].get()) != 1) {
            return core::Error::invalid(
                fmt::format("client CA {}: certificate {} could not be added to the trust store ({})",
                            trust.client_ca_id, i + 1, take_openssl_errors()));
        }
    }
    X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_set_purpose(store.get(), X509_PURPOSE_SSL_CLIENT);
    return store;
}

// Result of one X509_verify_cert call.
struct Verification {
    int error = X509_V_OK;
    int depth = -1;
    std::vector<X509Ptr> chain;  // as far as OpenSSL built it, client certificate first
};

// Verifies `sent` as OpenSSL 3's ssl_verify_cert_chain does on a server: the peer's whole
// chain as untrusted certificates, the security level as auth level, the "ssl_client"
// defaults, then the SSL_CTX's parameters (partial chains, purpose SSL client, depth). A
// verify callback that keeps OpenSSL's result, as record_verify_result does, lets the first
// error end the verification, which is also what happens here without a callback.
Verification run_verification(X509_STORE* store, const std::vector<X509Ptr>& sent, int security_level,
                              int depth, system_clock::time_point now) {
    X509StackPtr untrusted(sk_X509_new_null());
    TG_CHECK(untrusted != nullptr);
    for (const X509Ptr& certificate : sent) {
        TG_CHECK(sk_X509_push(untrusted.get(), certificate.get()) > 0);
    }
    StoreContextPtr context(X509_STORE_CTX_new());
    TG_CHECK(context != nullptr);
    TG_CHECK(X509_STORE_CTX_init(context.get(), store, sent.front().get(), untrusted.get()) == 1);

    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_auth_level(param, security_level);
    TG_CHECK(X509_STORE_CTX_set_default(context.get(), "ssl_client") == 1);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);
    X509_VERIFY_PARAM_set_depth(param, depth);
    X509_VERIFY_PARAM_set_time(param, system_clock::to_time_t(now));

    Verification verification;
    if (X509_verify_cert(context.get()) != 1) {
        verification.error = X509_STORE_CTX_get_error(context.get());
        verification.depth = X509_STORE_CTX_get_error_depth(context.get());
        if (verification.error == X509_V_OK) {
            verification.error = X509_V_ERR_UNSPECIFIED;
        }
    }
    if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context.get())) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
            X509* certificate = sk_X509_value(chain, i);
            TG_CHECK(X509_up_ref(certificate) == 1);
            verification.chain.emplace_back(certificate);
        }
    }
    ERR_clear_error();
    return verification;
}

bool in_bundle(X509* certificate, const std::vector<X509Ptr>& bundle) {
    return std::any_of(bundle.begin(), bundle.end(),
                       [&](const X509Ptr& entry) { return X509_cmp(entry.get(), certificate) == 0; });
}

std::string quoted_subject(X509* certificate) {
    return fmt::format("\"{}\"", format_name(X509_get_subject_name(certificate)));
}

// Everything a message about one verification needs.
struct Findings {
    const ClientTrust& trust;
    const std::vector<X509Ptr>& sent;
    const std::vector<X509Ptr>& bundle;
    const Verification& verification;
    X509* certificate = nullptr;  // the certificate the error is about
    system_clock::time_point now;

    std::string bundle_name() const {
        return trust.client_ca_id.empty()
                   ? std::string("the listener's CA bundle")
                   : fmt::format("the listener's CA bundle (certificate {})", trust.client_ca_id);
    }

    // Lists the subjects of the bundle: ` The bundle contains "A", "B" and 3 more.`
    std::string bundle_contents() const {
        std::vector<std::string> subjects;
        for (std::size_t i = 0; i < bundle.size() && i < kListedBundleSubjects; ++i) {
            subjects.push_back(quoted_subject(bundle[i].get()));
        }
        std::string more = bundle.size() > kListedBundleSubjects
                               ? fmt::format(" and {} more", bundle.size() - kListedBundleSubjects)
                               : std::string();
        return fmt::format(" The bundle contains {}{}.", fmt::join(subjects, ", "), more);
    }

    // Names the certificate of the error by its role: "the client certificate "CN=a"".
    std::string subject_role() const {
        if (verification.depth <= 0) {
            return fmt::format("the client certificate {}", quoted_subject(certificate));
        }
        if (in_bundle(certificate, bundle)) {
            return fmt::format("the CA certificate {} of the bundle", quoted_subject(certificate));
        }
        return fmt::format("the intermediate CA certificate {} that the client sent",
                           quoted_subject(certificate));
    }

    std::string issuer() const {
        return fmt::format("\"{}\"", format_name(X509_get_issuer_name(certificate)));
    }
};

X509* bundle_certificate_named(const X509_NAME* name, const std::vector<X509Ptr>& bundle) {
    for (const X509Ptr& entry : bundle) {
        if (X509_NAME_cmp(X509_get_subject_name(entry.get()), name) == 0) {
            return entry.get();
        }
    }
    return nullptr;
}

std::string unknown_issuer_message(const Findings& findings) {
    const std::string issuer = findings.issuer();
    if (bundle_certificate_named(X509_get_issuer_name(findings.certificate), findings.bundle) != nullptr) {
        return fmt::format(
            "{} names {} as its issuer, and {} has a CA certificate with that name but another key, so a "
            "different CA with the same name issued it, such as a renewed or re-created one. Upload the CA "
            "certificate that issued it to {}, or reissue the client certificate from the CA in the bundle.",
            capitalize(findings.subject_role()), issuer, findings.bundle_name(), kCaField);
    }
    if (findings.verification.depth > 0) {
        return fmt::format(
            "The chain that the client sent ends at {}, whose issuer {} is not in {}. Upload {}, or its "
            "chain, to {}.{}",
            quoted_subject(findings.certificate), issuer, findings.bundle_name(), issuer, kCaField,
            findings.bundle_contents());
    }
    if (findings.sent.size() > 1) {
        return fmt::format(
            "The client certificate's issuer {} is not in {}, and none of the {} other certificates that the "
            "client sent is that CA. Upload the issuing CA, or its chain, to {}, or make the client send "
            "the intermediate CA certificate that issued its certificate.{}",
            issuer, findings.bundle_name(), findings.sent.size() - 1, kCaField, findings.bundle_contents());
    }
    return fmt::format(
        "The client certificate's issuer {0} is not in {1}, and the client sent no intermediate CA "
        "certificate. Upload the issuing CA, or its chain, to {2}. If {0} is an intermediate CA under a CA "
        "of the bundle, it is a missing intermediate: the client must send it after its certificate (curl "
        "--cert with a file that holds both), or the bundle must contain it.{3}",
        issuer, findings.bundle_name(), kCaField, findings.bundle_contents());
}

std::string validity_message(const Findings& findings, bool expired) {
    const std::string subject = capitalize(findings.subject_role());
    std::string fix;
    if (findings.verification.depth <= 0) {
        fix = "Issue a new client certificate and install it on the client.";
    } else if (in_bundle(findings.certificate, findings.bundle)) {
        fix = fmt::format("Renew the CA certificate and upload it to {}.", kCaField);
    } else {
        fix = "Renew it and install the new certificate on the client, which sends it.";
    }
    if (expired) {
        return fmt::format("{} expired on {}, so the handshake fails. {}", subject,
                           format_asn1_time(X509_get0_notAfter(findings.certificate)), fix);
    }
    return fmt::format(
        "{} is not valid before {}, so the handshake fails until then. Check the clock of the machine that "
        "issued it, or wait until then.",
        subject, format_asn1_time(X509_get0_notBefore(findings.certificate)));
}

std::string weak_signature_message(const Findings& findings) {
    const CertificateFacts facts = inspect_certificate(findings.certificate);
    return fmt::format(
        "{} is signed with {} ({}), which this listener's security level {} rejects. Reissue it with -sha256 "
        "in place of -sha1 (openssl x509 -req -sha256). tollgate lowers a listener to security level 0 "
        "only when its own server certificate or CA bundle has an MD5 or SHA-1 signature.",
        capitalize(findings.subject_role()), weak_digest_name(facts.signature_algorithm),
        facts.signature_algorithm, findings.trust.security_level);
}

std::string small_key_message(const Findings& findings) {
    const CertificateFacts facts = inspect_certificate(findings.certificate);
    return fmt::format(
        "The {} key of {} has {} bits, which this listener's security level {} rejects (level 1 needs RSA "
        "keys of at least 1024 bits and EC keys of at least 160 bits). Generate a new key with openssl "
        "genrsa -out key.pem 2048 and reissue the certificate.",
        facts.key_type, findings.subject_role(), facts.key_bits, findings.trust.security_level);
}

std::string chain_too_long_message(const Findings& findings, X509_STORE* store) {
    const int depth = findings.trust.verify_depth;
    const Verification counted =
        run_verification(store, findings.sent, findings.trust.security_level, kCountingDepth, findings.now);
    const std::string leaf = quoted_subject(findings.sent.front().get());
    if (counted.error != X509_V_OK || counted.chain.size() < 3) {
        return fmt::format(
            "The chain from the client certificate {} has more than {} intermediate CA certificates before "
            "it reaches a CA of {}, more than the listener's client_verify_depth {} allows. Raise "
            "client_verify_depth, or upload a lower intermediate CA certificate to {}, which makes it a "
            "trust anchor.",
            leaf, depth, findings.bundle_name(), depth, kCaField);
    }
    const std::size_t intermediates = counted.chain.size() - 2;
    return fmt::format(
        "The chain from the client certificate {} to {} of {} has {}, more than the listener's "
        "client_verify_depth {} allows. Set client_verify_depth to {} or more, or upload the intermediate "
        "CA certificate {} to {}, which makes it a trust anchor.",
        leaf, quoted_subject(counted.chain.back().get()), findings.bundle_name(),
        intermediate_count(intermediates), depth, intermediates, quoted_subject(counted.chain[1].get()),
        kCaField);
}

std::string purpose_message(const Findings& findings) {
    const std::string subject = capitalize(findings.subject_role());
    const std::vector<std::string> extended = extended_key_usage_names(findings.certificate);
    const bool client_auth_excluded = !extended.empty() && !contains(extended, "clientAuth");
    if (findings.verification.depth > 0) {
        if (client_auth_excluded) {
            return fmt::format(
                "{} has extendedKeyUsage {} without clientAuth, so OpenSSL does not accept the client "
                "certificates it issues. Reissue it without extendedKeyUsage, or with clientAuth in it.",
                subject, join(extended));
        }
        return fmt::format("OpenSSL does not accept {} as an issuer of client certificates ({}).",
                           findings.subject_role(),
                           X509_verify_cert_error_string(findings.verification.error));
    }
    if (client_auth_excluded) {
        return fmt::format(
            "{} has extendedKeyUsage {}, which lacks clientAuth, so it may not be used for client "
            "authentication. Reissue it with extendedKeyUsage=clientAuth.",
            subject, join(extended));
    }
    const std::vector<std::string> usages = key_usage_names(findings.certificate);
    if (!usages.empty() && !contains(usages, "digitalSignature") && !contains(usages, "keyAgreement")) {
        return fmt::format(
            "{} has keyUsage {}, which lacks digitalSignature, so it cannot sign the handshake as client "
            "authentication requires. Reissue it with keyUsage=digitalSignature.",
            subject, join(usages));
    }
    return fmt::format(
        "{} may not be used for client authentication: its Netscape certificate type or another extension "
        "excludes it. Reissue it with extendedKeyUsage=clientAuth and without nsCertType.",
        subject);
}

std::string invalid_ca_message(const Findings& findings) {
    const CertificateFacts facts = inspect_certificate(findings.certificate);
    std::string cause;
    if (facts.basic_constraints_present && !facts.basic_constraints_ca) {
        cause = "its basicConstraints are CA:FALSE";
    } else if (!facts.basic_constraints_present) {
        cause = "it has no basicConstraints CA:TRUE";
    } else {
        cause = "its keyUsage lacks keyCertSign";
    }
    return fmt::format(
        "{} is used as a CA of the chain, but {}, so OpenSSL does not accept it as an issuer. Reissue it "
        "with basicConstraints=critical,CA:TRUE and keyUsage=critical,keyCertSign,cRLSign.",
        capitalize(findings.subject_role()), cause);
}

std::string rejection_message(const Findings& findings, X509_STORE* store) {
    switch (findings.verification.error) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return unknown_issuer_message(findings);
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return fmt::format(
                "The client certificate {} is self-signed and is not in {}. Use a certificate issued by a CA "
                "of the bundle, or upload this certificate to {} to trust it on its own.",
                quoted_subject(findings.certificate), findings.bundle_name(), kCaField);
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return fmt::format(
                "The chain that the client sent ends at the self-signed root {0}, which is not in {1}. "
                "Upload {0} to {2}, or use a client certificate issued by a CA of the bundle.{3}",
                quoted_subject(findings.certificate), findings.bundle_name(), kCaField,
                findings.bundle_contents());
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return validity_message(findings, true);
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return validity_message(findings, false);
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
            return fmt::format(
                "The signature of {} does not verify with the key of its issuer {}. A different CA with the "
                "same name issued it, such as a renewed or re-created one, or the certificate was changed "
                "after signing. Upload the CA certificate that issued it to {}, or reissue the certificate "
                "from the CA in the bundle.",
                findings.subject_role(), findings.issuer(), kCaField);
        case X509_V_ERR_CA_MD_TOO_WEAK:
            return weak_signature_message(findings);
        case X509_V_ERR_EE_KEY_TOO_SMALL:
        case X509_V_ERR_CA_KEY_TOO_SMALL:
            return small_key_message(findings);
        case X509_V_ERR_CERT_CHAIN_TOO_LONG:
            return chain_too_long_message(findings, store);
        case X509_V_ERR_INVALID_PURPOSE:
            return purpose_message(findings);
        case X509_V_ERR_INVALID_CA:
            return invalid_ca_message(findings);
        default:
            return fmt::format("OpenSSL rejects {}: {}.", findings.subject_role(),
                               X509_verify_cert_error_string(findings.verification.error));
    }
}

std::string accepted_message(const ClientVerdict& verdict, const ClientTrust& trust, X509* leaf) {
    const std::string bundle =
        trust.client_ca_id.empty()
            ? std::string("the listener's CA bundle")
            : fmt::format("the listener's CA bundle (certificate {})", trust.client_ca_id);
    const std::string anchor = fmt::format("\"{}\"", verdict.chain.back().facts.subject);
    std::string path;
    if (verdict.chain.size() == 1) {
        path = fmt::format("it is itself in {}", bundle);
    } else if (verdict.chain.size() == 2) {
        path = fmt::format("it chains to {} of {}", anchor, bundle);
    } else {
        path = fmt::format("it chains to {} of {} through {}", anchor, bundle,
                           intermediate_count(verdict.chain.size() - 2));
    }
    std::string message = fmt::format(
        "The client certificate {} is accepted: {}, at security level {} and client_verify_depth {}. It is "
        "valid until {}.",
        quoted_subject(leaf), path, trust.security_level, trust.verify_depth,
        verdict.chain.front().not_after);
    const bool weak =
        std::any_of(verdict.chain.begin(), verdict.chain.end() - 1,
                    [](const CertificateReport& report) { return report.facts.sha1_or_weaker_signature; });
    if (weak && trust.security_level == 0) {
        message +=
            " The chain has an MD5 or SHA-1 signature, which only security level 0 accepts. A listener at "
            "level 1, one whose own certificates use SHA-256, rejects it.";
    }
    return message;
}

std::vector<CertificateReport> chain_reports(const std::vector<X509Ptr>& chain,
                                             const std::vector<X509Ptr>& bundle) {
    std::vector<CertificateReport> reports;
    for (const X509Ptr& certificate : chain) {
        CertificateReport report = report_certificate(certificate.get());
        report.source =
            in_bundle(certificate.get(), bundle) ? CertificateSource::Bundle : CertificateSource::Client;
        reports.push_back(std::move(report));
    }
    return reports;
}

}  // namespace

std::string_view to_string(CertificateSource source) {
    return source == CertificateSource::Bundle ? "bundle" : "client";
}

core::Result<ClientTrust> listener_client_trust(const ServerTlsSettings& settings) {
    if (settings.client_auth == ClientAuth::None) {
        return core::Error::invalid(fmt::format(
            "listener {}: client authentication is none, so the listener asks for no client certificate. Set "
            "client_authentication to mandatory or optional and a client CA certificate in {}.",
            settings.listener_id, kCaField));
    }
    auto context = build_server_context(settings);
    if (!context) {
        return context.error();
    }
    return ClientTrust{.client_ca_id = settings.client_ca_id,
                       .client_ca_pem = settings.client_ca_pem,
                       .security_level = (*context)->security_level,
                       .verify_depth = settings.verify_depth};
}

CertificateReport report_certificate(X509* certificate) {
    OpensslErrorScope error_scope;
    CertificateReport report;
    report.facts = inspect_certificate(certificate);
    report.not_before = format_asn1_time(X509_get0_notBefore(certificate));
    report.not_after = format_asn1_time(X509_get0_notAfter(certificate));
    report.key_usages = key_usage_names(certificate);
    report.extended_key_usages = extended_key_usage_names(certificate);
    return report;
}

std::vector<std::string> client_certificate_warnings(const CertificateReport& report,
                                                     system_clock::time_point now) {
    const CertificateFacts& facts = report.facts;
    std::vector<std::string> warnings;
    if (facts.sha1_or_weaker_signature) {
        warnings.push_back(fmt::format(
            "The certificate is signed with {} ({}). Listeners at security level 1, which is every listener "
            "whose own certificates use SHA-256, reject it, and so do other servers that use OpenSSL 3. "
            "Reissue it with -sha256 in place of -sha1.",
            weak_digest_name(facts.signature_algorithm), facts.signature_algorithm));
    }
    if ((facts.key_type == "RSA" || facts.key_type == "RSA-PSS") && facts.key_bits < kMinimumRsaBits) {
        warnings.push_back(fmt::format(
            "The RSA key has {} bits, fewer than the 2048 that current CAs require. Generate a new key with "
            "openssl genrsa -out key.pem 2048 and reissue the certificate.",
            facts.key_bits));
    }
    if (facts.not_after < now) {
        warnings.push_back(fmt::format(
            "The certificate expired on {}, so listeners reject it. Issue a new one.", report.not_after));
    } else if (facts.not_after - now < kExpiryWarningPeriod) {
        warnings.push_back(
            fmt::format("The certificate expires on {}, less than {} days from now. Issue a new one and "
                        "install it on the client before then.",
                        report.not_after, kExpiryWarningPeriod.count()));
    }
    if (facts.not_before > now) {
        warnings.push_back(
            fmt::format("The certificate is not valid before {}, so listeners reject it until then. Check "
                        "the clock of the machine that issued it.",
                        report.not_before));
    }
    if (!report.extended_key_usages.empty() && !contains(report.extended_key_usages, "clientAuth")) {
        warnings.push_back(
            fmt::format("The certificate has extendedKeyUsage {}, which lacks clientAuth, so listeners "
                        "reject it as a client certificate. Reissue it with extendedKeyUsage=clientAuth.",
                        join(report.extended_key_usages)));
    }
    if (!report.key_usages.empty() && !contains(report.key_usages, "digitalSignature") &&
        !contains(report.key_usages, "keyAgreement")) {
        warnings.push_back(
            fmt::format("The certificate has keyUsage {}, which lacks digitalSignature, so listeners reject "
                        "it as a client certificate. Reissue it with keyUsage=digitalSignature.",
                        join(report.key_usages)));
    }
    return warnings;
}

core::Result<ClientVerdict> verify_client_certificate(const ClientTrust& trust, std::string_view client_pem,
                                                      system_clock::time_point now) {
    OpensslErrorScope error_scope;
    if (client_pem.find("PRIVATE KEY-----") != std::string_view::npos) {
        return core::Error::invalid(
            "The certificate text contains a private key. Send only the client certificate and the "
            "intermediate CA certificates that the client sends, because the check needs no key and a "
            "private key should not leave the client.");
    }
    auto sent = parse_certificates(client_pem);
    if (!sent) {
        return core::Error::invalid(
            fmt::format("The client certificate is invalid: {}. Send the client certificate in PEM form, "
                        "optionally followed by intermediate CA certificates.",
                        sent.error().message));
    }
    if (trust.verify_depth < 0) {
        return core::Error::invalid(
            fmt::format("verify depth {} is invalid. Use 0 or more.", trust.verify_depth));
    }
    auto bundle = parse_certificates(trust.client_ca_pem);
    if (!bundle) {
        return core::Error::invalid(
            fmt::format("client CA {}: {}", trust.client_ca_id, bundle.error().message));
    }
    auto store = trust_store(*bundle, trust);
    if (!store) {
        return store.error();
    }

    const Verification verification =
        run_verification(store->get(), *sent, trust.security_level, trust.verify_depth, now);
    ClientVerdict verdict;
    verdict.security_level = trust.security_level;
    verdict.chain = chain_reports(verification.chain.empty() ? *sent : verification.chain, *bundle);
    if (verification.error == X509_V_OK) {
        verdict.accepted = true;
        verdict.message = accepted_message(verdict, trust, sent->front().get());
        return verdict;
    }

    verdict.failure = failure_from_verify_error(verification.error);
    verdict.verify_error = verification.error;
    verdict.error_depth = verification.depth;
    X509* subject = sent->front().get();
    if (verification.depth >= 0 && static_cast<std::size_t>(verification.depth) < verification.chain.size()) {
        subject = verification.chain[static_cast<std::size_t>(verification.depth)].get();
    }
    const Findings findings{.trust = trust,
                            .sent = *sent,
                            .bundle = *bundle,
                            .verification = verification,
                            .certificate = subject,
                            .now = now};
    verdict.message = rejection_message(findings, store->get());
    return verdict;
}

}  // namespace tollgate::tls
