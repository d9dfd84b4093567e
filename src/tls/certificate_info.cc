#include "tls/certificate_info.h"

#include "core/check.h"
#include "tls/openssl_error.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <memory>

namespace tollgate::tls {
namespace {

using std::chrono::system_clock;

// OpenSSL's security level 1 requires 80 bits of signature security. SHA-1 gives 63 bits
// and MD5 39 bits (X509_get_signature_info in OpenSSL 3.0).
constexpr int kMinimumSignatureSecurityBits = 80;
constexpr int kMinimumRsaBits = 2048;

std::string to_lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
    std::string hex;
    hex.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        hex += fmt::format("{:02x}", data[i]);
    }
    return hex;
}

system_clock::time_point to_time_point(const ASN1_TIME* time) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
        return {};
    }
    using namespace std::chrono;
    const sys_days day = year{parts.tm_year + 1900} / month{static_cast<unsigned>(parts.tm_mon + 1)} /
                         std::chrono::day{static_cast<unsigned>(parts.tm_mday)};
    const sys_seconds seconds =
        day + hours{parts.tm_hour} + minutes{parts.tm_min} + std::chrono::seconds{parts.tm_sec};

    if (seconds >= floor<std::chrono::seconds>(system_clock::time_point::max())) {
        return system_clock::time_point::max();
    }
    if (seconds <= ceil<std::chrono::seconds>(system_clock::time_point::min())) {
        return system_clock::time_point::min();
    }
    return time_point_cast<system_clock::duration>(seconds);
}

bool is_weak_digest(int digest_nid) {
    switch (digest_nid) {
        case NID_md2:
        case NID_md4:
        case NID_md5:
        case NID_md5_sha1:
        case NID_mdc2:
        case NID_sha1:
            return true;
        default:
            return false;
    }
}

bool has_weak_signature(X509* certificate) {
    int digest_nid = NID_undef;
    int security_bits = -1;
    if (X509_get_signature_info(certificate, &digest_nid, nullptr, &security_bits, nullptr) != 1) {
        int public_key_nid = NID_undef;
        OBJ_find_sigid_algs(X509_get_signature_nid(certificate), &digest_nid, &public_key_nid);
    }
    return is_weak_digest(digest_nid) ||
           (security_bits >= 0 && security_bits < kMinimumSignatureSecurityBits);
}

std::string format_ip_address(const ASN1_OCTET_STRING* address) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const int length = ASN1_STRING_length(address);
    const unsigned char* bytes = ASN1_STRING_get0_data(address);
    if (length == 4 && inet_ntop(AF_INET, bytes, text.data(), text.size()) != nullptr) {
        return text.data();
    }
    if (length == 16 && inet_ntop(AF_INET6, bytes, text.data(), text.size()) != nullptr) {
        return text.data();
    }
    return to_hex(bytes, static_cast<std::size_t>(std::max(length, 0)));
}

std::vector<std::string> subject_alt_names(X509* certificate) {
    std::vector<std::string> names;
    auto* general_names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    if (general_names == nullptr) {
        return names;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(general_names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(general_names, i);
        if (name->type == GEN_DNS) {
            const ASN1_IA5STRING* dns = name->d.dNSName;
            names.push_back(fmt::format(
                "DNS:{}", std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                           static_cast<std::size_t>(ASN1_STRING_length(dns)))));
        } else if (name->type == GEN_IPADD) {
            names.push_back(fmt::format("IP:{}", format_ip_address(name->d.iPAddress)));
        }
    }
    GENERAL_NAMES_free(general_names);
    return names;
}

bool has_ca_basic_constraint(X509* certificate) {
    auto* constraints = static_cast<BASIC_CONSTRAINTS*>(
        X509_get_ext_d2i(certificate, NID_basic_constraints, nullptr, nullptr));
    if (constraints == nullptr) {
        return false;
    }
    const bool ca = constraints->ca != 0;
    BASIC_CONSTRAINTS_free(constraints);
    return ca;
}

// Name of the weak hash for messages, from the signature algorithm's long name.
std::string weak_digest_name(const std::string& signature_algorithm) {
    const std::string lower = to_lower(signature_algorithm);
    if (lower.find("md5") != std::string::npos) {
        return "MD5";
    }
    if (lower.find("md4") != std::string::npos) {
        return "MD4";
    }
    if (lower.find("md2") != std::string::npos) {
        return "MD2";
    }
    return "SHA-1";
}

}  // namespace

std::string format_name(const X509_NAME* name) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    TG_CHECK(bio != nullptr);
    if (name == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
        return "";
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string format_serial(X509* certificate) {
    std::unique_ptr<BIGNUM, decltype(&BN_free)> number(
        ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr), &BN_free);
    if (number == nullptr) {
        return "";
    }
    char* hex = BN_bn2hex(number.get());
    TG_CHECK(hex != nullptr);
    std::string result = to_lower(hex);
    OPENSSL_free(hex);

    // BN_bn2hex writes whole bytes ("0F3A"). A negative serial, which RFC 5280 forbids but
    // old certificates carry, keeps its sign.
    const std::size_t digits_start = result.starts_with('-') ? 1 : 0;
    const std::size_t first_digit = result.find_first_not_of('0', digits_start);
    if (first_digit == std::string::npos) {
        return "0";
    }
    result.erase(digits_start, first_digit - digits_start);
    return result;
}

std::string sha256_fingerprint(X509* certificate) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    TG_CHECK(X509_digest(certificate, EVP_sha256(), digest.data(), &size) == 1);
    return to_hex(digest.data(), size);
}

std::string key_type_name(const EVP_PKEY* key) {
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA:
            return "RSA";
        case EVP_PKEY_RSA_PSS:
            return "RSA-PSS";
        case EVP_PKEY_EC:
            return "EC";
        case EVP_PKEY_ED25519:
            return "ED25519";
        case EVP_PKEY_ED448:
            return "ED448";
        case EVP_PKEY_DSA:
            return "DSA";
        default:
            return "unknown";
    }
}

std::string format_asn1_time(const ASN1_TIME* time) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
        return "";
    }
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", parts.tm_year + 1900, parts.tm_mon + 1,
                       parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
}

std::string format_rfc3339(system_clock::time_point time) {
    using namespace std::chrono;
    const auto seconds = floor<std::chrono::seconds>(time);
    const auto day = floor<days>(seconds);
    const year_month_day date{day};
    const hh_mm_ss clock{seconds - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

CertificateFacts inspect_certificate(X509* certificate) {
    OpensslErrorScope error_scope;
    CertificateFacts facts;
    facts.subject = format_name(X509_get_subject_name(certificate));
    facts.issuer = format_name(X509_get_issuer_name(certificate));
    facts.serial_hex = format_serial(certificate);
    facts.fingerprint_sha256 = sha256_fingerprint(certificate);
    facts.not_before = to_time_point(X509_get0_notBefore(certificate));
    facts.not_after = to_time_point(X509_get0_notAfter(certificate));
    const char* signature_name = OBJ_nid2ln(X509_get_signature_nid(certificate));
    facts.signature_algorithm = signature_name != nullptr ? signature_name : "unknown";
    facts.version = static_cast<int>(X509_get_version(certificate)) + 1;

    if (const EVP_PKEY* key = X509_get0_pubkey(certificate)) {
        facts.key_type = key_type_name(key);
        facts.key_bits = EVP_PKEY_get_bits(key);
    }

    facts.subject_alt_names = subject_alt_names(certificate);
    facts.basic_constraints_ca = has_ca_basic_constraint(certificate);
    facts.basic_constraints_present = X509_get_ext_by_NID(certificate, NID_basic_constraints, -1) >= 0;

    // X509_get_extension_flags computes the cached extension data on first use.
    const uint32_t flags = X509_get_extension_flags(certificate);
    facts.key_usage_present = (flags & EXFLAG_KUSAGE) != 0;
    facts.key_usage_cert_sign =
        facts.key_usage_present && (X509_get_key_usage(certificate) & KU_KEY_CERT_SIGN) != 0;
    facts.extended_key_usage_present = (flags & EXFLAG_XKUSAGE) != 0;
    if (facts.extended_key_usage_present) {
        const uint32_t usages = X509_get_extended_key_usage(certificate);
        facts.extended_key_usage_client_auth = (usages & XKU_SSL_CLIENT) != 0;
        facts.extended_key_usage_server_auth = (usages & XKU_SSL_SERVER) != 0;
    }

    facts.sha1_or_weaker_signature = has_weak_signature(certificate);
    facts.self_signed = X509_self_signed(certificate, 0) == 1;
    return facts;
}

std::vector<std::string> certificate_weaknesses(const CertificateFacts& facts, CertificateRole role,
                                                system_clock::time_point now) {
    std::vector<std::string> weaknesses;

    if (facts.sha1_or_weaker_signature && facts.self_signed) {
        // OpenSSL 3.0 skips the security level check for the signature of a self-signed trust
        // anchor (openssl verify -auth_level 1 accepts one).
        weaknesses.push_back(fmt::format(
            "The certificate signs itself with {} ({}). OpenSSL does not check that signature, but browsers "
            "reject it, and a CA that uses {} usually signs the certificates it issues with it too. Reissue "
            "it "
            "with -sha256 in place of -sha1.",
            weak_digest_name(facts.signature_algorithm), facts.signature_algorithm,
            weak_digest_name(facts.signature_algorithm)));
    } else if (facts.sha1_or_weaker_signature) {
        weaknesses.push_back(fmt::format(
            "The certificate is signed with {} ({}), which OpenSSL 3 rejects at security level 1 or higher "
            "and browsers reject entirely. Reissue it with -sha256 in place of -sha1 in openssl x509 -req.",
            weak_digest_name(facts.signature_algorithm), facts.signature_algorithm));
    }

    if (facts.version == 1) {
        weaknesses.push_back(
            role != CertificateRole::Server
                ? "The CA certificate is X.509 version 1, so it has no extensions. OpenSSL accepts a version "
                  "1 CA "
                  "only as a self-signed root, and X.509 strict checks reject it. Reissue it as version 3 "
                  "with "
                  "basicConstraints=critical,CA:TRUE."
                : "The certificate is X.509 version 1, so it has no extensions such as subjectAltName or "
                  "extendedKeyUsage. Reissue it as version 3 by passing an -extfile to openssl x509 -req.");
    }

    if (role == CertificateRole::Server && facts.subject_alt_names.empty()) {
        weaknesses.push_back(
            "The certificate has no subjectAltName, and browsers ignore the subject CN when they match the "
            "host "
            "name, so they reject it. Reissue it with subjectAltName=DNS:<host name> in its extensions.");
    }

    if (role == CertificateRole::ClientCa && facts.version != 1 && !facts.basic_constraints_ca) {
        weaknesses.push_back(
            facts.basic_constraints_present
                ? "The CA certificate has basicConstraints CA:FALSE, so OpenSSL does not accept it as the "
                  "issuer "
                  "of client certificates. Reissue it with basicConstraints=critical,CA:TRUE."
                : "The CA certificate has no basicConstraints CA:TRUE, so OpenSSL accepts it as an issuer "
                  "only if "
                  "its keyUsage includes keyCertSign. Reissue it with basicConstraints=critical,CA:TRUE.");
    }

    if ((facts.key_type == "RSA" || facts.key_type == "RSA-PSS") && facts.key_bits < kMinimumRsaBits) {
        weaknesses.push_back(
            fmt::format("The RSA key has {} bits, fewer than the 2048 that browsers and current CAs require, "
                        "and OpenSSL 3 "
                        "rejects keys under 1024 bits at security level 1. Generate a new key with openssl "
                        "genrsa -out key.pem "
                        "2048 and reissue the certificate.",
                        facts.key_bits));
    }

    if (facts.not_after < now) {
        weaknesses.push_back(
            fmt::format("The certificate expired on {}, so clients and OpenSSL reject it. Renew it with a "
                        "new validity period.",
                        format_rfc3339(facts.not_after)));
    }
    if (facts.not_before > now) {
        weaknesses.push_back(
            fmt::format("The certificate is not valid before {}, so it is rejected until then. Check the "
                        "clock of the machine "
                        "that issued it.",
                        format_rfc3339(facts.not_before)));
    }

    return weaknesses;
}

}  // namespace tollgate::tls
