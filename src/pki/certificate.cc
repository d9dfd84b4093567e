#include "pki/certificate.h"

#include "pki/key.h"
#include "pki/names.h"
#include "tls/certificate_info.h"
#include "tls/openssl_error.h"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/rand.h>

#include <ctime>

namespace tollgate::pki {
namespace {

constexpr int kSerialBits = 128;

core::Result<void> openssl_failure(const char* step) {
    return core::Error::tls(fmt::format("{} failed: {}", step, tls::take_openssl_errors()));
}

core::Result<void> add_extension(X509* certificate, X509V3_CTX* context, int nid, const char* value) {
    X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, context, nid, value));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
        return openssl_failure(OBJ_nid2ln(nid));
    }
    return {};
}

core::Result<void> add_general_name(GENERAL_NAMES* names, int type, const unsigned char* data,
                                    std::size_t size) {
    GeneralNamePtr name(GENERAL_NAME_new());
    ASN1_STRING* value = ASN1_STRING_type_new(type == GEN_DNS ? V_ASN1_IA5STRING : V_ASN1_OCTET_STRING);
    if (!name || value == nullptr || ASN1_STRING_set(value, data, static_cast<int>(size)) != 1) {
        ASN1_STRING_free(value);
        return openssl_failure("subjectAltName entry");
    }
    GENERAL_NAME_set0_value(name.get(), type, value);
    if (sk_GENERAL_NAME_push(names, name.get()) == 0) {
        return openssl_failure("subjectAltName entry");
    }
    name.release();  // now owned by `names`
    return {};
}

// Builds the subjectAltName from typed entries, so that a name that contains a comma cannot
// add entries the way it could in OpenSSL's "DNS:a,IP:b" configuration syntax.
core::Result<void> add_subject_alt_name(X509* certificate, const CertificateSpec& spec) {
    GeneralNamesPtr names(GENERAL_NAMES_new());
    if (!names) {
        return openssl_failure("subjectAltName");
    }
    for (const std::string& dns_name : spec.dns_names) {
        auto added = add_general_name(
            names.get(), GEN_DNS, reinterpret_cast<const unsigned char*>(dns_name.data()), dns_name.size());
        if (!added) {
            return added;
        }
    }
    for (const std::string& address : spec.ip_addresses) {
        const std::vector<unsigned char> bytes = parse_ip_address(address).value();
        if (auto added = add_general_name(names.get(), GEN_IPADD, bytes.data(), bytes.size()); !added) {
            return added;
        }
    }
    if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
        return openssl_failure("subjectAltName");
    }
    return {};
}

const char* key_usage(Profile profile, EVP_PKEY* subject_key) {
    switch (profile) {
        case Profile::Ca:
            return "critical,keyCertSign,cRLSign";
        case Profile::Server:
            // TLS 1.2 cipher suites without ECDHE (AES128-GCM-SHA256, ...) encrypt the
            // premaster secret to an RSA server key, which needs keyEncipherment.
            return EVP_PKEY_get_base_id(subject_key) == EVP_PKEY_RSA
                       ? "critical,digitalSignature,keyEncipherment"
                       : "critical,digitalSignature";
        case Profile::Client:
            return "critical,digitalSignature";
    }
    return "critical,digitalSignature";
}

// Returns the authorityKeyIdentifier value. An issuer without a subjectKeyIdentifier, such as
// a version 1 CA, is named by its issuer name and serial number instead, because OpenSSL
// cannot copy a key identifier that the issuer does not have.
const char* authority_key_identifier(bool self_signed, X509* issuer_certificate) {
    if (self_signed || X509_get0_subject_key_id(issuer_certificate) != nullptr) {
        return "keyid:always";
    }
    return "issuer:always";
}

core::Result<void> add_extensions(X509* certificate, X509* issuer_certificate, const CertificateSpec& spec,
                                  EVP_PKEY* subject_key) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer_certificate, certificate, nullptr, nullptr, 0);

    const bool ca = spec.profile == Profile::Ca;
    const char* extended_key_usage = spec.profile == Profile::Server ? "serverAuth" : "clientAuth";
    const std::pair<int, const char*> extensions[] = {
        {NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
        {NID_key_usage, key_usage(spec.profile, subject_key)},
        {NID_ext_key_usage, ca ? nullptr : extended_key_usage},
        // The subject key identifier must exist before the authority key identifier of a
        // self-signed certificate copies it.
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier,
         authority_key_identifier(issuer_certificate == certificate, issuer_certificate)},
    };
    for (const auto& [nid, value] : extensions) {
        if (value == nullptr) {
            continue;
        }
        if (auto added = add_extension(certificate, &context, nid, value); !added) {
            return added;
        }
    }
    if (!spec.dns_names.empty() || !spec.ip_addresses.empty()) {
        return add_subject_alt_name(certificate, spec);
    }
    return {};
}

core::Result<void> set_serial(X509* certificate) {
    auto serial = random_serial();
    if (!serial) {
        return serial.error();
    }
    if (BN_to_ASN1_INTEGER(serial->get(), X509_get_serialNumber(certificate)) == nullptr) {
        return openssl_failure("serialNumber");
    }
    return {};
}

// Checks that `issuer` is valid at `now` and outlives the validity period that starts at
// `not_before`.
core::Result<void> check_issuer_validity(X509* issuer, time_t now, time_t not_before, int days) {
    const ASN1_TIME* issuer_not_after = X509_get0_notAfter(issuer);
    const std::string subject = tls::format_name(X509_get_subject_name(issuer));
    const std::string expiry = tls::format_asn1_time(issuer_not_after);
    if (ASN1_TIME_cmp_time_t(issuer_not_after, now) < 0) {
        return core::Error::invalid(
            fmt::format("the CA certificate {} expired at {}; create a new CA", subject, expiry));
    }
    const time_t not_after = not_before + static_cast<time_t>(days) * 86400;
    if (ASN1_TIME_cmp_time_t(issuer_not_after, not_after) < 0) {
        int remaining_days = 0;
        int remaining_seconds = 0;
        ASN1_TIME* start = ASN1_TIME_set(nullptr, not_before);
        ASN1_TIME_diff(&remaining_days, &remaining_seconds, start, issuer_not_after);
        ASN1_TIME_free(start);
        return core::Error::invalid(
            fmt::format("a validity of {} days would end after the CA certificate {}, which expires at {}; "
                        "use at most {} "
                        "days",
                        days, subject, expiry, remaining_days));
    }
    return {};
}

core::Result<void> set_validity(X509* certificate, X509* issuer, std::chrono::system_clock::time_point now,
                                int days) {
    time_t now_seconds = std::chrono::system_clock::to_time_t(now);
    time_t not_before = now_seconds - static_cast<time_t>(std::chrono::seconds(kBackdating).count());
    if (issuer != nullptr) {
        if (auto checked = check_issuer_validity(issuer, now_seconds, not_before, days); !checked) {
            return checked;
        }
    }
    if (X509_time_adj_ex(X509_getm_notBefore(certificate), 0, 0, &not_before) == nullptr ||
        X509_time_adj_ex(X509_getm_notAfter(certificate), days, 0, &not_before) == nullptr) {
        return openssl_failure("validity period");
    }
    return {};
}

core::Result<void> set_names(X509* certificate, X509* issuer, const std::string& common_name) {
    X509_NAME* subject = X509_get_subject_name(certificate);
    const auto* value = reinterpret_cast<const unsigned char*>(common_name.c_str());
    if (X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8, value, -1, -1, 0) != 1) {
        return openssl_failure("commonName");
    }
    X509_NAME* issuer_name = issuer != nullptr ? X509_get_subject_name(issuer) : subject;
    if (X509_set_issuer_name(certificate, issuer_name) != 1) {
        return openssl_failure("issuer name");
    }
    return {};
}

}  // namespace

core::Result<void> check_certificate_spec(const CertificateSpec& spec) {
    if (spec.profile == Profile::Server && spec.dns_names.empty() && spec.ip_addresses.empty()) {
        return core::Error::invalid(
            "a server certificate needs at least one DNS name or IP address for its subjectAltName: "
            "pass --dns or --ip");
    }
    if (auto checked = check_common_name(spec.common_name); !checked) {
        return checked;
    }
    if (spec.days < 1 || spec.days > kMaxValidityDays) {
        return core::Error::invalid(
            fmt::format("invalid validity period of {} days: use 1 to {} days", spec.days, kMaxValidityDays));
    }
    for (const std::string& name : spec.dns_names) {
        if (auto checked = check_dns_name(name); !checked) {
            return checked;
        }
    }
    for (const std::string& address : spec.ip_addresses) {
        if (auto parsed = parse_ip_address(address); !parsed) {
            return parsed.error();
        }
    }
    return {};
}

core::Result<BignumPtr> random_serial() {
    tls::OpensslErrorScope error_scope;
    BignumPtr serial(BN_new());
    // BN_rand draws from the same generator as RAND_bytes. A zero serial, which RFC 5280
    // forbids, comes up with probability 2^-128 and is drawn again.
    do {
        if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
            return core::Error::tls("generating a serial number failed: " + tls::take_openssl_errors());
        }
    } while (BN_is_zero(serial.get()));
    return serial;
}

core::Result<tls::X509Ptr> issue_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key,
                                             const Issuer* issuer,
                                             std::chrono::system_clock::time_point now) {
    if (auto checked = check_certificate_spec(spec); !checked) {
        return checked.error();
    }
    tls::OpensslErrorScope error_scope;
    tls::X509Ptr certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
        X509_set_pubkey(certificate.get(), subject_key) != 1) {
        return openssl_failure("creating the certificate").error();
    }

    X509* issuer_certificate = issuer != nullptr ? issuer->certificate : nullptr;
    EVP_PKEY* signing_key = issuer != nullptr ? issuer->key : subject_key;
    X509* extension_issuer = issuer_certificate != nullptr ? issuer_certificate : certificate.get();
    if (auto step = set_serial(certificate.get()); !step) {
        return step.error();
    }
    if (auto step = set_validity(certificate.get(), issuer_certificate, now, spec.days); !step) {
        return step.error();
    }
    if (auto step = set_names(certificate.get(), issuer_certificate, spec.common_name); !step) {
        return step.error();
    }
    if (auto step = add_extensions(certificate.get(), extension_issuer, spec, subject_key); !step) {
        return step.error();
    }

    if (X509_sign(certificate.get(), signing_key, signature_digest(signing_key)) <= 0) {
        return openssl_failure("signing the certificate").error();
    }
    return certificate;
}

}  // namespace tollgate::pki
