#include "store/sealing.h"
#include "store/secret_key.h"
#include "store/store.h"

#include "store/store_test_support.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tollgate::store {
namespace {

using test::make_document;
using test::RawDatabase;
using test::SecretKeyVariable;
using test::TempDir;

constexpr std::string_view kPrivateKey =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIPl4b6kZC1aVJ0hYpVvHqg1JzQ7bA3Yh0cWmTnF8qL2x\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kExpectedKeyFormat =
    "expected 64 hex characters or the base64 encoding of 32 bytes";

// A key other than any generated one: bytes 0x00, 0x01, ..., 0x1f.
std::string fixed_key_hex() {
    std::string hex;
    for (int i = 0; i < 32; ++i) {
        hex += fmt::format("{:02x}", i);
    }
    return hex;
}

std::string base64(std::span<const unsigned char> bytes) {
    std::string text(4 * ((bytes.size() + 2) / 3), '\0');
    const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes.data(),
                                     static_cast<int>(bytes.size()));
    text.resize(static_cast<std::size_t>(size));
    return text;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::stringstream content;
    content << file.rdbuf();
    return content.str();
}

// The first 8 hex characters of SHA-256, computed here independently of the store.
std::string expected_key_id(const SecretKeyBytes& key) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(key.data(), key.size(), digest.data());
    return fmt::format("{:02x}{:02x}{:02x}{:02x}", digest[0], digest[1], digest[2], digest[3]);
}

class SecretsTest : public ::testing::Test {
protected:
    std::filesystem::path key_path() const { return temp_.data_dir() / "secret.key"; }

    // Opens the store, inserts certificates c1 and c2, and stores kPrivateKey for c1.
    std::unique_ptr<Store> open_with_secret() {
        auto store = test::open_store(temp_.data_dir());
        if (!store) {
            return nullptr;
        }
        auto transaction = store->begin();
        EXPECT_TRUE(transaction);
        EXPECT_TRUE(transaction->insert(make_document("certificate", "c1", R"({"type":"server"})"), {}));
        EXPECT_TRUE(transaction->insert(make_document("certificate", "c2", R"({"type":"server"})"), {}));
        auto stored = transaction->put_secret("certificate", "p1", "c1", "private_key", kPrivateKey);
        EXPECT_TRUE(stored) << stored.error().message;
        EXPECT_TRUE(transaction->commit());
        return store;
    }

    core::Result<std::string> read_secret(Store& store, std::string_view id,
                                          std::string_view field = "private_key") {
        auto transaction = store.begin();
        EXPECT_TRUE(transaction);
        auto secret = transaction->get_secret("certificate", "p1", id, field);
        if (!secret) {
            return secret.error();
        }
        return std::string(secret->view());
    }

    TempDir temp_;
    SecretKeyVariable no_key_variable_{std::nullopt};
};

TEST_F(SecretsTest, RoundTrip) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);

    auto secret = read_secret(*store, "c1");

    ASSERT_TRUE(secret) << secret.error().message;
    EXPECT_EQ(*secret, kPrivateKey);
}

TEST_F(SecretsTest, RoundTripAfterReopen) {
    ASSERT_TRUE(open_with_secret());

    auto store = test::open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto secret = read_secret(*store, "c1");

    ASSERT_TRUE(secret) << secret.error().message;
    EXPECT_EQ(*secret, kPrivateKey);
}

TEST_F(SecretsTest, PutReplacesEarlierValue) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    {
        auto transaction = store->begin();
        ASSERT_TRUE(transaction);
        ASSERT_TRUE(transaction->put_secret("certificate", "p1", "c1", "private_key", "replaced"));
        ASSERT_TRUE(transaction->commit());
    }

    auto secret = read_secret(*store, "c1");

    ASSERT_TRUE(secret);
    EXPECT_EQ(*secret, "replaced");
    EXPECT_EQ(RawDatabase(store->database_path()).value("SELECT COUNT(*) FROM secrets"), "1");
}

TEST_F(SecretsTest, EmptySecretRoundTrips) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    {
        auto transaction = store->begin();
        ASSERT_TRUE(transaction);
        ASSERT_TRUE(transaction->put_secret("certificate", "p1", "c2", "private_key", ""));
        ASSERT_TRUE(transaction->commit());
    }

    auto secret = read_secret(*store, "c2");

    ASSERT_TRUE(secret) << secret.error().message;
    EXPECT_EQ(*secret, "");
}

TEST_F(SecretsTest, DatabaseNeverContainsPlaintext) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    RawDatabase raw(store->database_path());
    const std::string key_line = "MC4CAQAwBQYDK2VwBCIEIPl4b6kZC1aVJ0hYpVvHqg1JzQ7bA3Yh0cWmTnF8qL2x";

    const auto secrets = raw.rows("SELECT nonce, ciphertext, key_id FROM secrets");
    const auto bodies = raw.rows("SELECT body FROM resources");

    ASSERT_EQ(secrets.size(), 1u);
    EXPECT_EQ(secrets[0][0].size(), kNonceBytes);
    EXPECT_EQ(secrets[0][1].size(), kPrivateKey.size() + kTagBytes);
    EXPECT_EQ(secrets[0][1].find(key_line), std::string::npos);
    EXPECT_EQ(secrets[0][1].find("PRIVATE KEY"), std::string::npos);
    ASSERT_EQ(bodies.size(), 2u);
    for (const auto& body : bodies) {
        EXPECT_EQ(body[0].find(key_line), std::string::npos);
        EXPECT_EQ(body[0].find("PRIVATE KEY"), std::string::npos);
    }
}

TEST_F(SecretsTest, EachSealUsesNewNonce) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    {
        auto transaction = store->begin();
        ASSERT_TRUE(transaction);
        ASSERT_TRUE(transaction->put_secret("certificate", "p1", "c2", "private_key", kPrivateKey));
        ASSERT_TRUE(transaction->commit());
    }

    const auto rows =
        RawDatabase(store->database_path()).rows("SELECT nonce, ciphertext FROM secrets ORDER BY id");

    ASSERT_EQ(rows.size(), 2u);
    EXPECT_NE(rows[0][0], rows[1][0]);
    EXPECT_NE(rows[0][1], rows[1][1]);
}

TEST_F(SecretsTest, SecretCopiedToAnotherRowFailsToOpen) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    {
        RawDatabase raw(store->database_path());
        raw.execute(
            "INSERT INTO secrets (kind, project_id, id, field, nonce, ciphertext, key_id)"
            " SELECT kind, project_id, 'c2', field, nonce, ciphertext, key_id FROM secrets WHERE id = 'c1'");
        raw.execute(
            "INSERT INTO secrets (kind, project_id, id, field, nonce, ciphertext, key_id)"
            " SELECT kind, project_id, id, 'passphrase', nonce, ciphertext, key_id FROM secrets"
            " WHERE id = 'c1' AND field = 'private_key'");
        ASSERT_EQ(raw.value("SELECT COUNT(*) FROM secrets"), "3");
    }

    auto other_id = read_secret(*store, "c2");
    auto other_field = read_secret(*store, "c1", "passphrase");

    ASSERT_FALSE(other_id);
    EXPECT_EQ(other_id.error().message,
              "opening private_key of certificate c2 in project p1 failed: the ciphertext does not "
              "authenticate, so "
              "it was altered or copied from another row");
    ASSERT_FALSE(other_field);
    EXPECT_EQ(
        other_field.error().message,
        "opening passphrase of certificate c1 in project p1 failed: the ciphertext does not authenticate, so "
        "it was altered or copied from another row");
    EXPECT_TRUE(read_secret(*store, "c1"));
}

TEST_F(SecretsTest, AlteredNonceFailsToOpen) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    RawDatabase(store->database_path()).execute("UPDATE secrets SET nonce = zeroblob(12)");

    auto secret = read_secret(*store, "c1");

    ASSERT_FALSE(secret);
    EXPECT_EQ(secret.error().message,
              "opening private_key of certificate c1 in project p1 failed: the ciphertext does not "
              "authenticate, so "
              "it was altered or copied from another row");
}

TEST_F(SecretsTest, WrongKeyGivesExactError) {
    ASSERT_TRUE(open_with_secret());
    const auto file_key = decode_secret_key(read_file(key_path()));
    ASSERT_TRUE(file_key);
    const auto other_key = decode_secret_key(fixed_key_hex());
    ASSERT_TRUE(other_key);
    SecretKeyVariable other_key_variable(fixed_key_hex());

    auto store = test::open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto secret = read_secret(*store, "c1");

    ASSERT_FALSE(secret);
    EXPECT_EQ(secret.error().message,
              fmt::format(
                  "the secret key does not match the one that sealed this data (key id {}, expected {}); set "
                  "TOLLGATE_SECRET_KEY or restore {}",
                  expected_key_id(*other_key), expected_key_id(*file_key), key_path().string()));
}

TEST_F(SecretsTest, MissingKeyFileGivesExactError) {
    ASSERT_TRUE(open_with_secret());
    const auto file_key = decode_secret_key(read_file(key_path()));
    ASSERT_TRUE(file_key);
    std::filesystem::remove(key_path());

    auto store = test::open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    auto secret = read_secret(*store, "c1");

    ASSERT_FALSE(secret);
    EXPECT_EQ(
        secret.error().message,
        fmt::format("opening private_key of certificate c1 in project p1 failed: no secret key is available "
                    "(the data was sealed with key id {}): TOLLGATE_SECRET_KEY is not set and {} does not "
                    "exist; set TOLLGATE_SECRET_KEY or restore {}",
                    expected_key_id(*file_key), key_path().string(), key_path().string()));
    EXPECT_FALSE(std::filesystem::exists(key_path()));
}

TEST_F(SecretsTest, KeyFileCreatedOnFirstSeal) {
    auto store = test::open_store(temp_.data_dir());
    ASSERT_TRUE(store);
    EXPECT_FALSE(std::filesystem::exists(key_path()));
    store.reset();

    store = open_with_secret();
    ASSERT_TRUE(store);

    ASSERT_TRUE(std::filesystem::exists(key_path()));
    EXPECT_EQ(test::file_mode(key_path()), 0600u);
    const std::string content = read_file(key_path());
    ASSERT_EQ(content.size(), 65u);
    EXPECT_EQ(content.find_first_not_of("0123456789abcdef"), 64u);
    EXPECT_EQ(content.back(), '\n');
    const auto key = decode_secret_key(content);
    ASSERT_TRUE(key);
    EXPECT_EQ(RawDatabase(store->database_path()).value("SELECT key_id FROM secrets"), expected_key_id(*key));
}

TEST_F(SecretsTest, KeyFileWithGroupAccessRejected) {
    ASSERT_TRUE(open_with_secret());
    std::filesystem::permissions(key_path(),
                                 std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);

    auto store = Store::open(temp_.data_dir());

    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().kind, core::ErrorKind::InvalidInput);
    EXPECT_EQ(store.error().message,
              fmt::format("{} has group or other permissions (mode 0644); run chmod 600 {}",
                          key_path().string(), key_path().string()));
}

TEST_F(SecretsTest, InvalidKeyFileRejected) {
    ASSERT_TRUE(open_with_secret());
    std::ofstream(key_path(), std::ios::trunc) << "not a key\n";

    auto store = Store::open(temp_.data_dir());

    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().message,
              fmt::format("{} does not contain a valid key: {}; restore the file from a backup",
                          key_path().string(), kExpectedKeyFormat));
}

TEST_F(SecretsTest, EnvironmentKeyAcceptedInHexAndBase64) {
    ASSERT_TRUE(open_with_secret());
    const std::string file_content = read_file(key_path());
    const auto key = decode_secret_key(file_content);
    ASSERT_TRUE(key);
    std::filesystem::rename(key_path(), temp_.path() / "secret.key.backup");

    std::string upper_hex = file_content.substr(0, 64);
    std::transform(upper_hex.begin(), upper_hex.end(), upper_hex.begin(), ::toupper);
    for (const std::string& encoded :
         {file_content.substr(0, 64), upper_hex, base64(*key), " " + base64(*key) + "\n"}) {
        SecretKeyVariable variable(encoded);
        auto store = test::open_store(temp_.data_dir());
        ASSERT_TRUE(store) << encoded;

        auto secret = read_secret(*store, "c1");

        ASSERT_TRUE(secret) << encoded << ": " << secret.error().message;
        EXPECT_EQ(*secret, kPrivateKey) << encoded;
    }
}

TEST_F(SecretsTest, EnvironmentKeyDoesNotCreateKeyFile) {
    SecretKeyVariable variable(fixed_key_hex());

    auto store = open_with_secret();
    ASSERT_TRUE(store);

    EXPECT_FALSE(std::filesystem::exists(key_path()));
    const auto key = decode_secret_key(fixed_key_hex());
    ASSERT_TRUE(key);
    EXPECT_EQ(RawDatabase(store->database_path()).value("SELECT key_id FROM secrets"), expected_key_id(*key));
}

TEST_F(SecretsTest, InvalidEnvironmentKeyRejected) {
    const SecretKeyBytes key{};
    const std::string short_base64 = base64(std::span(key).first(31));
    std::array<unsigned char, 33> long_key{};
    const std::string long_base64 = base64(long_key);
    const std::string not_hex = std::string(63, 'a') + "g";
    const std::string short_hex = std::string(62, 'a');

    for (const std::string& value : {std::string(), std::string("secret"), short_hex, not_hex, short_base64,
                                     long_base64, base64(key).substr(0, 43) + "A"}) {
        SecretKeyVariable variable(value);

        auto store = Store::open(temp_.data_dir());

        ASSERT_FALSE(store) << value;
        EXPECT_EQ(store.error().kind, core::ErrorKind::InvalidInput) << value;
        EXPECT_EQ(store.error().message,
                  fmt::format("TOLLGATE_SECRET_KEY is invalid: {}, e.g. the output of openssl rand -hex 32",
                              kExpectedKeyFormat))
            << value;
    }
}

TEST_F(SecretsTest, RemovingDocumentRemovesSecrets) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    {
        auto transaction = store->begin();
        ASSERT_TRUE(transaction);
        ASSERT_TRUE(transaction->remove("certificate", "p1", "c1"));
        ASSERT_TRUE(transaction->commit());
    }

    EXPECT_EQ(RawDatabase(store->database_path()).value("SELECT COUNT(*) FROM secrets"), "0");
}

TEST_F(SecretsTest, RemoveSecretCountsAsChange) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);

    ASSERT_TRUE(transaction->remove_secret("certificate", "p1", "c1", "private_key"));
    auto missing = transaction->get_secret("certificate", "p1", "c1", "private_key");
    auto revision = transaction->commit();

    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, core::ErrorKind::NotFound);
    EXPECT_EQ(missing.error().message,
              "read secret private_key of certificate c1 in project p1 failed: not found");
    ASSERT_TRUE(revision);
    EXPECT_EQ(*revision, 2);
}

TEST_F(SecretsTest, SecretOfMissingDocumentIsNotFound) {
    auto store = open_with_secret();
    ASSERT_TRUE(store);
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);

    auto stored = transaction->put_secret("certificate", "p1", "missing", "private_key", kPrivateKey);

    ASSERT_FALSE(stored);
    EXPECT_EQ(stored.error().kind, core::ErrorKind::NotFound);
    EXPECT_EQ(stored.error().message,
              "store secret private_key of certificate missing in project p1 failed: FOREIGN KEY constraint "
              "failed");
}

TEST(SecretKeyDecode, AcceptsOnlyThirtyTwoByteKeys) {
    const std::string hex = fixed_key_hex();
    const auto key = decode_secret_key(hex);
    ASSERT_TRUE(key);
    EXPECT_EQ((*key)[0], 0x00);
    EXPECT_EQ((*key)[31], 0x1f);

    EXPECT_EQ(decode_secret_key("\t" + hex + "\r\n"), key);
    EXPECT_EQ(decode_secret_key(base64(*key)), key);
    EXPECT_FALSE(decode_secret_key(hex.substr(2)));
    EXPECT_FALSE(decode_secret_key(hex + "00"));
    EXPECT_FALSE(decode_secret_key(hex.substr(0, 32) + " " + hex.substr(33)));
    EXPECT_FALSE(decode_secret_key(base64(std::span(*key).first(31))));
    std::string corrupted = base64(*key);
    corrupted[5] = '!';
    EXPECT_FALSE(decode_secret_key(corrupted));
}

TEST(SecretKeyId, IsSha256Prefix) {
    const auto key = decode_secret_key(fixed_key_hex());
    ASSERT_TRUE(key);

    EXPECT_EQ(secret_key_id(*key), expected_key_id(*key));
    EXPECT_EQ(secret_key_id(*key).size(), 8u);
}

}  // namespace
}  // namespace tollgate::store
