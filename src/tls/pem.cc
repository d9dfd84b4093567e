#include "tls/pem.h"

#include "core/check.h"
#include "tls/openssl_error.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <cctype>
#include <memory>

namespace tollgate::tls {
namespace {

constexpr std::string_view kBeginMarker = "-----BEGIN ";
constexpr std::string_view kEndMarker = "-----END ";
constexpr std::string_view kDashes = "-----";
constexpr std::size_t kBase64LineLength = 64;

constexpr std::string_view kDecryptHint =
    "Decrypt it first, e.g. openssl pkey -in key.pem -out key.decrypted.pem, and upload "
    "key.decrypted.pem";

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// One "-----BEGIN label-----" ... "-----END label-----" block of a text.
struct PemBlock {
    std::string label;
    std::string body;         // text between the BEGIN and END lines, '\r' removed
    bool terminated = false;  // an END line with the same label was found
};

// Returns no passphrase for every request, so OpenSSL never prompts on a terminal and
// fails on an encrypted block.
int reject_passphrase_request(char*, int, int, void*) {
    return 0;
}

std::string strip_carriage_returns(std::string_view text) {
    std::string result;
    result.reserve(text.size());
    for (char c : text) {
        if (c != '\r') {
            result += c;
        }
    }
    return result;
}

std::vector<PemBlock> find_pem_blocks(std::string_view pem) {
    const std::string text = strip_carriage_returns(pem);
    std::vector<PemBlock> blocks;
    std::size_t position = 0;
    while ((position = text.find(kBeginMarker, position)) != std::string::npos) {
        const std::size_t label_start = position + kBeginMarker.size();
        const std::size_t label_end = text.find(kDashes, label_start);
        const std::size_t line_end = text.find('\n', label_start);
        if (label_end == std::string::npos || (line_end != std::string::npos && label_end > line_end)) {
            position = label_start;
            continue;
        }

        PemBlock block;
        block.label = text.substr(label_start, label_end - label_start);
        const std::size_t body_start = label_end + kDashes.size();
        const std::string end_line = fmt::format("{}{}{}", kEndMarker, block.label, kDashes);
        const std::size_t end = text.find(end_line, body_start);
        // An END line after the next BEGIN line belongs to that next block.
        const std::size_t next_begin = text.find(kBeginMarker, body_start);
        block.terminated = end != std::string::npos && end < next_begin;
        const std::size_t body_end = block.terminated ? end : next_begin;
        block.body = text.substr(body_start,
                                 body_end == std::string::npos ? std::string::npos : body_end - body_start);
        position = block.terminated ? end + end_line.size() : body_end;
        blocks.push_back(std::move(block));
    }
    return blocks;
}

std::string_view trim(std::string_view line) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
        line.remove_prefix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
        line.remove_suffix(1);
    }
    return line;
}

// Rebuilds a block in the form OpenSSL's PEM reader expects: header lines ("Proc-Type: ...")
// first, a blank line after them, then the base64 text in 64-character lines. This absorbs
// indentation, blank lines and long or short lines in pasted text.
std::string canonical_pem(const PemBlock& block) {
    std::string headers;
    std::string base64;
    std::size_t start = 0;
    while (start <= block.body.size()) {
        std::size_t stop = block.body.find('\n', start);
        if (stop == std::string::npos) {
            stop = block.body.size();
        }
        const std::string_view line = trim(std::string_view(block.body).substr(start, stop - start));
        if (line.find(':') != std::string_view::npos) {
            headers += fmt::format("{}\n", line);
        } else {
            for (char c : line) {
                if (!std::isspace(static_cast<unsigned char>(c))) {
                    base64 += c;
                }
            }
        }
        start = stop + 1;
    }

    std::string result = fmt::format("{}{}{}\n", kBeginMarker, block.label, kDashes);
    if (!headers.empty()) {
        result += headers;
        result += '\n';
    }
    for (std::size_t offset = 0; offset < base64.size(); offset += kBase64LineLength) {
        result += base64.substr(offset, kBase64LineLength);
        result += '\n';
    }
    result += fmt::format("{}{}{}\n", kEndMarker, block.label, kDashes);
    return result;
}

BioPtr memory_bio(const std::string& text) {
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

bool is_certificate_label(std::string_view label) {
    return label == "CERTIFICATE" || label == "X509 CERTIFICATE" || label == "TRUSTED CERTIFICATE";
}

bool is_private_key_label(std::string_view label) {
    return label.ends_with("PRIVATE KEY");
}

bool has_encryption_header(const PemBlock& block) {
    return block.body.find("Proc-Type:") != std::string::npos &&
           block.body.find("ENCRYPTED") != std::string::npos;
}

// Names the labels found, for messages about a missing block: " (found -----BEGIN X-----)".
std::string describe_found_labels(const std::vector<PemBlock>& blocks) {
    if (blocks.empty()) {
        return "";
    }
    std::string found;
    for (const PemBlock& block : blocks) {
        found += fmt::format("{}{}{}{}", found.empty() ? "" : ", ", kBeginMarker, block.label, kDashes);
    }
    return fmt::format(" (found {})", found);
}

core::Result<X509Ptr> decode_certificate(const PemBlock& block, std::size_t number) {
    const std::string canonical = canonical_pem(block);
    BioPtr bio = memory_bio(canonical);
    X509* certificate = block.label == "TRUSTED CERTIFICATE"
                            ? PEM_read_bio_X509_AUX(bio.get(), nullptr, reject_passphrase_request, nullptr)
                            : PEM_read_bio_X509(bio.get(), nullptr, reject_passphrase_request, nullptr);
    if (certificate == nullptr) {
        return core::Error::invalid(fmt::format("certificate {} is not a valid X.509 certificate ({})",
                                                number, take_openssl_errors()));
    }
    return X509Ptr(certificate);
}

}  // namespace

core::Result<std::vector<X509Ptr>> parse_certificates(std::string_view pem) {
    OpensslErrorScope error_scope;
    const std::vector<PemBlock> blocks = find_pem_blocks(pem);

    std::vector<X509Ptr> certificates;
    for (const PemBlock& block : blocks) {
        if (!is_certificate_label(block.label)) {
            continue;
        }
        const std::size_t number = certificates.size() + 1;
        if (!block.terminated) {
            return core::Error::invalid(
                fmt::format("certificate {} has no {}{}{} line", number, kEndMarker, block.label, kDashes));
        }
        auto certificate = decode_certificate(block, number);
        if (!certificate) {
            return certificate.error();
        }
        certificates.push_back(std::move(*certificate));
    }

    if (certificates.empty()) {
        return core::Error::invalid(fmt::format(
            "no certificate found: expected a PEM block starting with -----BEGIN CERTIFICATE-----{}",
            describe_found_labels(blocks)));
    }
    return certificates;
}

core::Result<EvpPkeyPtr> parse_private_key(std::string_view pem) {
    OpensslErrorScope error_scope;
    const std::vector<PemBlock> blocks = find_pem_blocks(pem);

    std::vector<const PemBlock*> keys;
    for (const PemBlock& block : blocks) {
        if (is_private_key_label(block.label)) {
            keys.push_back(&block);
        }
    }
    if (keys.empty()) {
        return core::Error::invalid(fmt::format(
            "no private key found: expected a PEM block starting with -----BEGIN PRIVATE KEY-----, "
            "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----{}",
            describe_found_labels(blocks)));
    }
    if (keys.size() > 1) {
        return core::Error::invalid(fmt::format("found {} private keys, expected one", keys.size()));
    }

    const PemBlock& block = *keys.front();
    if (block.label == "ENCRYPTED PRIVATE KEY" || has_encryption_header(block)) {
        return core::Error::invalid(fmt::format(
            "the private key is encrypted with a passphrase, which tollgate cannot enter. {}", kDecryptHint));
    }
    if (block.label == "OPENSSH PRIVATE KEY") {
        return core::Error::invalid(
            "the private key is in OpenSSH format, which OpenSSL cannot read. Convert a copy to PKCS#8 with "
            "ssh-keygen -p -m PKCS8 -f key (this rewrites the file in place)");
    }
    if (!block.terminated) {
        return core::Error::invalid(
            fmt::format("the private key has no {}{}{} line", kEndMarker, block.label, kDashes));
    }

    const std::string canonical = canonical_pem(block);
    BioPtr bio = memory_bio(canonical);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, reject_passphrase_request, nullptr);
    if (key == nullptr) {
        return core::Error::invalid(
            fmt::format("the private key could not be decoded ({})", take_openssl_errors()));
    }
    return EvpPkeyPtr(key);
}

std::string to_pem(X509* certificate) {
    OpensslErrorScope error_scope;
    BioPtr bio(BIO_new(BIO_s_mem()));
    TG_CHECK(bio != nullptr);
    TG_CHECK(PEM_write_bio_X509(bio.get(), certificate) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace tollgate::tls
