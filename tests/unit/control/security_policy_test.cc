#include "contract_test_support.h"

#include <map>

namespace tollgate::control::test {
namespace {

using nlohmann::json;

class SecurityPolicyTest : public ContractTest {};

TEST_F(SecurityPolicyTest, ListHasTheTenPolicies) {
    Reply reply = call("GET", path("/system-security-policies"));

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    std::map<std::string, std::string> protocols;
    for (const auto& policy : reply.body["system_security_policies"]) {
        protocols[policy["name"]] = policy["protocols"];
        EXPECT_EQ(policy["project_id"], kProject);
        EXPECT_FALSE(policy["ciphers"].get<std::string>().empty());
    }
    const std::map<std::string, std::string> expected{
        {"tls-1-0", "TLSv1.2 TLSv1.1 TLSv1"},
        {"tls-1-1", "TLSv1.2 TLSv1.1"},
        {"tls-1-2", "TLSv1.2"},
        {"tls-1-0-inherit", "TLSv1.2 TLSv1.1 TLSv1"},
        {"tls-1-2-strict", "TLSv1.2"},
        {"tls-1-2-fs", "TLSv1.2"},
        {"tls-1-0-with-1-3", "TLSv1.3 TLSv1.2 TLSv1.1 TLSv1"},
        {"tls-1-2-fs-with-1-3", "TLSv1.3 TLSv1.2"},
        {"hybrid-policy-1-0", "TLSv1.2 TLSv1.1"},
        {"tls-1-2-strict-no-cbc", "TLSv1.2"},
    };
    EXPECT_EQ(reply.body["system_security_policies"].size(), 10u);
    EXPECT_EQ(protocols, expected);
    EXPECT_FALSE(reply.body.contains("page_info"));
}

TEST_F(SecurityPolicyTest, OtherProjectSeesTheSamePolicies) {
    Reply reply = call("GET", project_path(kOtherProject, "/system-security-policies"));

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["system_security_policies"].size(), 10u);
    EXPECT_EQ(reply.body["system_security_policies"][0]["project_id"], kOtherProject);
}

}  // namespace
}  // namespace tollgate::control::test
