#pragma once

// Helpers of the pki tests: a temporary directory, file modes, extension lookups and chain
// verification with OpenSSL's verifier.

#include "pki/certificate.h"
#include "pki/key.h"
#include "tls/openssl_ptr.h"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tollgate::pki::test {

namespace fs = std::filesystem;

// A directory under the system's temporary directory, removed with its content at the end.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "tollgate-pki-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

// Sets the umask to 022 for the lifetime of the object, so that file modes do not depend on
// the environment of the test run.
class Umask022 {
public:
    Umask022() : previous_(::umask(022)) {}
    ~Umask022() { ::umask(previous_); }

private:
    mode_t previous_;
};

inline mode_t file_mode(const fs::path& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) {
        return 0;
    }
    return status.st_mode & 07777;
}

inline std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

inline void write_file(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

// A certificate and key made by issue_certificate for the tests.
struct TestPair {
    tls::X509Ptr certificate;
    tls::EvpPkeyPtr key;

    Issuer issuer() const { return {certificate.get(), key.get()}; }
};

inline TestPair make_pair(const CertificateSpec& spec, const KeySpec& key_spec, const TestPair* issuer,
                          std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
    TestPair pair;
    pair.key = generate_key(key_spec).value();
    const Issuer signer = issuer != nullptr ? issuer->issuer() : Issuer{};
    pair.certificate =
        issue_certificate(spec, pair.key.get(), issuer != nullptr ? &signer : nullptr, now).value();
    return pair;
}

inline X509_EXTENSION* find_extension(X509* certificate, int nid) {
    const int index = X509_get_ext_by_NID(certificate, nid, -1);
    return index >= 0 ? X509_get_ext(certificate, index) : nullptr;
}

inline bool is_critical(X509* certificate, int nid) {
    X509_EXTENSION* extension = find_extension(certificate, nid);
    return extension != nullptr && X509_EXTENSION_get_critical(extension) == 1;
}

// Returns the X509_V_* result of verifying `leaf` against the trust anchor `ca` for
// `purpose` (X509_PURPOSE_SSL_SERVER, ...) with X509_V_FLAG_X509_STRICT, as
// `openssl verify -x509_strict -purpose ...` does.
inline int verify_chain(X509* leaf, X509* ca, int purpose) {
    tls::X509StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca);
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(),
                                                                            X509_STORE_CTX_free);
    X509_STORE_CTX_init(context.get(), store.get(), leaf, nullptr);
    X509_STORE_CTX_set_purpose(context.get(), purpose);
    X509_STORE_CTX_set_flags(context.get(), X509_V_FLAG_X509_STRICT);
    X509_verify_cert(context.get());
    return X509_STORE_CTX_get_error(context.get());
}

inline const CertificateSpec kCaSpec{Profile::Ca, "Test CA", {}, {}, 3650};
inline const KeySpec kEcP256{KeyType::Ec, 2048, Curve::P256};
inline const KeySpec kRsa2048{KeyType::Rsa, 2048, Curve::P256};

}  // namespace tollgate::pki::test
