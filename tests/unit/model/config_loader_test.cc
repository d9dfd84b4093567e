// Whole documents: the minimal example in YAML and JSON, syntax errors, the top level, ids,
// unknown fields and the error format.

#include "model/config_test_support.h"

#include <gmock/gmock.h>

namespace tollgate::model::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ConfigLoader = ConfigTest;

TEST_F(ConfigLoader, MinimalFileLoads) {
    write_file("lb.yaml", kMinimalDocument);

    LoadResult result = load_config_file(dir_ / "lb.yaml");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_THAT(result.warnings, IsEmpty());
    const Config& config = result.config;

    ASSERT_EQ(config.certificates.size(), 2u);
    EXPECT_EQ(config.certificates[0].id, "srv");
    EXPECT_EQ(config.certificates[0].type, CertificateType::Server);
    EXPECT_EQ(config.certificates[0].certificate, kServerCertificatePem);
    EXPECT_EQ(config.certificates[0].private_key, kServerKeyPem);
    EXPECT_EQ(config.certificates[1].id, "ca");
    EXPECT_EQ(config.certificates[1].type, CertificateType::Client);
    EXPECT_EQ(config.certificates[1].certificate, kCaCertificatePem);
    EXPECT_EQ(config.certificates[1].private_key, "");

    ASSERT_EQ(config.loadbalancers.size(), 1u);
    EXPECT_EQ(config.loadbalancers[0].id, "lb1");
    EXPECT_EQ(config.loadbalancers[0].vip_address, "127.0.0.1");

    ASSERT_EQ(config.listeners.size(), 1u);
    const Listener& listener = config.listeners[0];
    EXPECT_EQ(listener.id, "web");
    EXPECT_EQ(listener.loadbalancer_id, "lb1");
    EXPECT_EQ(listener.protocol, Protocol::Https);
    EXPECT_EQ(listener.protocol_port, 8443);
    EXPECT_EQ(listener.default_tls_container_ref, "srv");
    EXPECT_EQ(listener.client_ca_tls_container_ref, "ca");
    EXPECT_EQ(listener.default_pool_id, "app");
    EXPECT_EQ(listener.client_authentication, ClientAuth::Mandatory);
    EXPECT_TRUE(listener.insert_headers[InsertedHeader::ClientcertSubjectdn].enabled);
    EXPECT_TRUE(listener.insert_headers[InsertedHeader::ClientcertFingerprint].enabled);
    EXPECT_FALSE(listener.insert_headers[InsertedHeader::ClientcertIssuerdn].enabled);

    ASSERT_EQ(config.pools.size(), 1u);
    const Pool& pool = config.pools[0];
    EXPECT_EQ(pool.id, "app");
    EXPECT_EQ(pool.lb_algorithm, LbAlgorithm::RoundRobin);
    ASSERT_EQ(pool.members.size(), 1u);
    EXPECT_EQ(pool.members[0].id, "127.0.0.1:8080");
    EXPECT_EQ(pool.members[0].address, "127.0.0.1");
    EXPECT_EQ(pool.members[0].protocol_port, 8080);
    EXPECT_EQ(pool.members[0].weight, 1);
}

TEST_F(ConfigLoader, JsonDocumentLoads) {
    // Indented with tabs, as JSON formatters often write it.
    const std::string json = R"({
	"certificates": [
		{"id": "srv", "type": "server", "certificate_file": "server/server.crt", "private_key_file": "server/server.key"},
		{"id": "ca", "type": "client", "certificate_file": "ca/ca.crt"}
	],
	"loadbalancers": [{"id": "lb1", "vip_address": "127.0.0.1"}],
	"listeners": [{
		"id": "web",
		"loadbalancer_id": "lb1",
		"protocol": "HTTPS",
		"protocol_port": 8443,
		"default_tls_container_ref": "srv",
		"client_ca_tls_container_ref": "ca",
		"default_pool_id": "app",
		"keepalive_timeout": 30,
		"enable_member_retry": false,
		"sni_container_refs": [],
		"security_policy_id": null,
		"insert_headers": {"X-Forwarded-Clientcert-subjectdn-enable": true, "X-Forwarded-Port": true}
	}],
	"pools": [{
		"id": "app",
		"lb_algorithm": "LEAST_CONNECTIONS",
		"protocol": "HTTP",
		"members": [{"address": "::1", "protocol_port": 8080, "weight": 5}]
	}]
}
)";
    write_file("lb.json", json);

    LoadResult result = load_config_file(dir_ / "lb.json");

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_EQ(result.config.listeners.size(), 1u);
    const Listener& listener = result.config.listeners[0];
    EXPECT_EQ(listener.protocol_port, 8443);
    EXPECT_EQ(listener.client_authentication, ClientAuth::Mandatory);
    EXPECT_EQ(listener.keepalive_timeout, std::chrono::seconds(30));
    EXPECT_FALSE(listener.enable_member_retry);
    EXPECT_TRUE(listener.insert_headers[InsertedHeader::ClientcertSubjectdn].enabled);
    EXPECT_TRUE(listener.insert_headers[InsertedHeader::ForwardedPort].enabled);
    ASSERT_EQ(result.config.pools.size(), 1u);
    EXPECT_EQ(result.config.pools[0].lb_algorithm, LbAlgorithm::LeastConnections);
    ASSERT_EQ(result.config.pools[0].members.size(), 1u);
    EXPECT_EQ(result.config.pools[0].members[0].id, "[::1]:8080");
    EXPECT_EQ(result.config.pools[0].members[0].weight, 5);
    EXPECT_EQ(result.config.certificates[0].certificate, kServerCertificatePem);
}

TEST_F(ConfigLoader, RelativePathsStartAtFileFolder) {
    write_file("conf/lb.yaml", R"(certificates:
  - {id: srv, certificate_file: ../server/server.crt, private_key_file: ../server/server.key}
)");

    LoadResult result = load_config_file(dir_ / "conf" / "lb.yaml");

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_EQ(result.config.certificates.size(), 1u);
    EXPECT_EQ(result.config.certificates[0].private_key, kServerKeyPem);
}

TEST_F(ConfigLoader, MissingFileReported) {
    LoadResult result = load_config_file(dir_ / "absent.yaml");

    EXPECT_THAT(error_lines(result),
                ElementsAre("file not found \"" + (dir_ / "absent.yaml").string() + "\": check the path"));
}

TEST_F(ConfigLoader, FolderAsFileReported) {
    LoadResult result = load_config_file(dir_ / "server");

    EXPECT_THAT(error_lines(result), ElementsAre("not a regular file \"" + (dir_ / "server").string() +
                                                 "\": use the path of a file"));
}

TEST_F(ConfigLoader, SyntaxErrorHasLineAndColumn) {
    LoadResult result = load("loadbalancers:\n  - {id: lb1, vip_address: 127.0.0.1\nlisteners: []\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("invalid YAML at line 3, column 10: end of map flow not found"));
}

TEST_F(ConfigLoader, BadIndentationReported) {
    // The colon after "listeners" is the twelfth character of the second line.
    LoadResult result = load("pools: x\n  listeners: []\n");

    EXPECT_THAT(error_lines(result), ElementsAre("invalid YAML at line 2, column 12: illegal map value"));
}

TEST_F(ConfigLoader, SeveralDocumentsRejected) {
    LoadResult result = load(kLoadbalancers + "---\n" + kLoadbalancers);

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("several YAML documents in one file: keep one document, without a second --- line"));
}

TEST_F(ConfigLoader, EmptyDocumentWarnsOfNoListeners) {
    LoadResult result = load("");

    EXPECT_THAT(error_lines(result), IsEmpty());
    EXPECT_THAT(result.warnings,
                ElementsAre("listeners: no listeners defined: tollgate will accept no connections"));
}

TEST_F(ConfigLoader, DocumentMustBeMapping) {
    LoadResult result = load("- a\n- b\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("invalid document \"[a, b]\": use a mapping with the keys certificates, loadbalancers, "
                    "listeners, pools and healthmonitors"));
}

TEST_F(ConfigLoader, UnknownTopLevelKeyRejected) {
    LoadResult result = load(kLoadbalancers + "listener: []\nfrontends: []\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("listener: unknown field: did you mean \"listeners\"?",
                            "frontends: unknown field: remove it or check its spelling"));
}

TEST_F(ConfigLoader, CollectionMustBeList) {
    LoadResult result = load("loadbalancers: {id: lb1}\npools: app\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers: invalid value \"{id: lb1}\": use a list of load balancers",
                            "pools: invalid value \"app\": use a list of pools"));
}

TEST_F(ConfigLoader, NullCollectionIsEmpty) {
    LoadResult result = load("certificates:\nloadbalancers: null\n" + kPools);

    EXPECT_THAT(error_lines(result), IsEmpty());
    EXPECT_TRUE(result.config.certificates.empty());
}

TEST_F(ConfigLoader, EntryMustBeMapping) {
    LoadResult result = load("loadbalancers:\n  - lb1\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[0]: invalid value \"lb1\": use a mapping of fields"));
}

TEST_F(ConfigLoader, MissingIdReportedByIndex) {
    LoadResult result = load("loadbalancers:\n  - {id: lb1}\n  - {vip_address: 127.0.0.2}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[1].id: missing required field: add a unique, non-empty string"));
    EXPECT_EQ(result.config.loadbalancers.size(), 1u);
}

TEST_F(ConfigLoader, EmptyIdRejected) {
    LoadResult result = load("loadbalancers:\n  - {id: ''}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[0].id: invalid value \"\": use 1 to 255 characters "
                            "without control characters"));
}

TEST_F(ConfigLoader, IdWithLineBreakRejected) {
    LoadResult result = load("loadbalancers:\n  - {id: \"lb\\r\\nX-Evil: 1\"}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[0].id: invalid value \"lb\\r\\nX-Evil: 1\": use 1 to "
                            "255 characters without control characters"));
}

TEST_F(ConfigLoader, DuplicateIdReportedByIndex) {
    LoadResult result = load("loadbalancers:\n  - {id: lb1}\n  - {id: lb1, vip_address: nowhere}\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("loadbalancers[1].id: duplicate id \"lb1\": use an id that no other entry of "
                    "loadbalancers has",
                    "loadbalancers[1].vip_address: invalid value \"nowhere\": use an IPv4 or IPv6 address "
                    "without brackets, such as 127.0.0.1 or ::1"));
    ASSERT_EQ(result.config.loadbalancers.size(), 1u);
    EXPECT_EQ(result.config.loadbalancers[0].vip_address, "0.0.0.0");
}

TEST_F(ConfigLoader, SameIdInOtherCollectionsAllowed) {
    LoadResult result =
        load("loadbalancers:\n  - {id: x}\npools:\n  - {id: x, lb_algorithm: SOURCE_IP, protocol: HTTP}\n");

    EXPECT_THAT(error_lines(result), IsEmpty());
}

TEST_F(ConfigLoader, NameAndDescriptionLimits) {
    std::string long_name(256, 'n');
    std::string unicode_name;
    for (int i = 0; i < 255; ++i) {
        unicode_name += "\xc3\xa9";  // é, two bytes and one character
    }
    LoadResult result = load("loadbalancers:\n  - {id: a, name: " + unicode_name + ", description: ''}\n" +
                             "  - {id: b, name: " + long_name + "}\n" + "  - {id: c, description: [x]}\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("loadbalancers[b].name: invalid value \"" + std::string(60, 'n') +
                        "...\": use a string of at most 255 characters",
                    "loadbalancers[c].description: invalid value \"[x]\": use a string of at most 255 "
                    "characters"));
    ASSERT_EQ(result.config.loadbalancers.size(), 3u);
    EXPECT_EQ(result.config.loadbalancers[0].name, unicode_name);
}

TEST_F(ConfigLoader, UnknownFieldSuggestsClosest) {
    LoadResult result = load("loadbalancers:\n  - {id: lb1, vip_adress: 127.0.0.1, colour: blue}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[lb1].vip_adress: unknown field: did you mean "
                            "\"vip_address\"?",
                            "loadbalancers[lb1].colour: unknown field: remove it or check its "
                            "spelling"));
}

TEST_F(ConfigLoader, UnknownFieldIgnoresCase) {
    LoadResult result = load("loadbalancers:\n  - {id: lb1, VIP_Address: 127.0.0.1}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[lb1].VIP_Address: unknown field: did you mean \"vip_address\"?"));
}

TEST_F(ConfigLoader, DuplicateFieldRejected) {
    LoadResult result = load("loadbalancers:\n  - {id: lb1, name: a, name: b}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[lb1].name: duplicate field: keep only one name entry"));
}

TEST_F(ConfigLoader, CollectsEveryError) {
    LoadResult result = load(R"(loadbalancers:
  - {id: lb1, vip_address: 300.1.1.1}
listeners:
  - {id: web, loadbalancer_id: lb2, protocol: HTTP, protocol_port: abc}
  - {id: api, loadbalancer_id: lb1, protocol: TCP, protocol_port: 9000, client_timeout: 0}
pools:
  - {id: app, lb_algorithm: RANDOM, protocol: HTTP, members: [{address: 10.0.0.1, protocol_port: 80, weight: 101}]}
extra: 1
)");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("loadbalancers[lb1].vip_address: invalid value \"300.1.1.1\": use an IPv4 or IPv6 "
                    "address without "
                    "brackets, such as 127.0.0.1 or ::1",
                    "pools[app].lb_algorithm: invalid value \"RANDOM\": use ROUND_ROBIN, LEAST_CONNECTIONS "
                    "or SOURCE_IP",
                    "pools[app].members[0].weight: invalid value \"101\": use a whole number from 0 to 100",
                    "listeners[web].loadbalancer_id: unknown load balancer \"lb2\": did you mean \"lb1\"?",
                    "listeners[web].protocol_port: invalid value \"abc\": use a whole number from 1 to 65535",
                    "listeners[api].protocol: not supported yet \"TCP\": use HTTP or HTTPS",
                    "listeners[api].client_timeout: invalid value \"0\": use a whole number from 1 to 300",
                    "extra: unknown field: remove it or check its spelling"));
}

TEST_F(ConfigLoader, MergeKeysExpanded) {
    LoadResult result = load(kLoadbalancers + R"(listeners:
  - &plain {id: a, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 80, client_timeout: 10}
  - {<<: *plain, id: b, protocol_port: 81}
  - <<: [{id: ignored, keepalive_timeout: 5}, *plain]
    id: c
    protocol_port: 82
)");

    ASSERT_THAT(error_lines(result), IsEmpty());
    const auto& listeners = result.config.listeners;
    ASSERT_EQ(listeners.size(), 3u);
    EXPECT_EQ(listeners[1].id, "b");
    EXPECT_EQ(listeners[1].protocol_port, 81);
    EXPECT_EQ(listeners[1].client_timeout, std::chrono::seconds(10));
    EXPECT_EQ(listeners[2].id, "c");
    EXPECT_EQ(listeners[2].protocol_port, 82);
    EXPECT_EQ(listeners[2].keepalive_timeout, std::chrono::seconds(5));
    EXPECT_EQ(listeners[2].client_timeout, std::chrono::seconds(10));
}

TEST_F(ConfigLoader, MergedUnknownFieldReported) {
    LoadResult result = load(kLoadbalancers + R"(listeners:
  - {<<: {protocl: HTTP}, id: a, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 80}
)");

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[a].protocl: unknown field: did you mean \"protocol\"?"));
}

TEST_F(ConfigLoader, InvalidMergeKeyRejected) {
    LoadResult result = load("loadbalancers:\n  - {<<: 5, id: lb1}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[0].<<: invalid merge key: merge a mapping or a list "
                            "of mappings, such as <<: *defaults, at most 8 levels deep and 64 "
                            "mappings in all"));
}

TEST_F(ConfigLoader, RepeatedMergeStopsAtLimit) {
    // Each level merges the previous one twice, so level n merges 2 + 4 + ... + 2^n mappings:
    // 62 for level 5, 126 for level 6. Without the limit, the work would double per level.
    std::string document = "loadbalancers:\n  - &m0 {id: lb1}\n";
    for (int level = 1; level <= 7; ++level) {
        document += "  - &m" + std::to_string(level) + " {<<: [*m" + std::to_string(level - 1) + ", *m" +
                    std::to_string(level - 1) + "], id: lb" + std::to_string(level + 1) + "}\n";
    }
    LoadResult result = load(document);

    std::string problem =
        ".<<: invalid merge key: merge a mapping or a list of mappings, such as <<: *defaults, at "
        "most 8 levels deep and 64 mappings in all";
    EXPECT_THAT(error_lines(result), ElementsAre("loadbalancers[6]" + problem, "loadbalancers[7]" + problem));
}

TEST_F(ConfigLoader, YesIsNotBoolean) {
    LoadResult result = load_listener(kHttpListenerFields + ", enable_member_retry: yes");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[plain].enable_member_retry: invalid value \"yes\": use true or false"));
}

TEST(ConfigError, FormatsEveryPart) {
    ConfigError error{"listeners[web]", "protocol_port", "invalid value", "abc", "use a whole number"};

    EXPECT_EQ(error.to_string(), "listeners[web].protocol_port: invalid value \"abc\": use a whole number");
}

TEST(ConfigError, LeavesOutEmptyParts) {
    EXPECT_EQ((ConfigError{"", "pools", "ignored", std::nullopt, ""}).to_string(), "pools: ignored");
    EXPECT_EQ((ConfigError{"pools[a]", "", "invalid value", "", "fix"}).to_string(),
              "pools[a]: invalid value \"\": fix");
    EXPECT_EQ((ConfigError{"", "", "invalid YAML", std::nullopt, "why"}).to_string(), "invalid YAML: why");
}

TEST(ConfigError, EscapesValue) {
    ConfigError error{"r", "f", "invalid value", "a\"b\\c\nd\x01", "fix"};

    EXPECT_EQ(error.to_string(), "r.f: invalid value \"a\\\"b\\\\c\\nd\\x01\": fix");
}

}  // namespace
}  // namespace tollgate::model::testing
