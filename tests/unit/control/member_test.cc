#include "contract_test_support.h"

namespace tollgate::control::test {
namespace {

using nlohmann::json;

class MemberTest : public ContractTest {
protected:
    void SetUp() override {
        ContractTest::SetUp();
        lb_ = create_loadbalancer();
        pool_ = create_pool({{"loadbalancer_id", lb_}});
    }

    std::string members_path(const std::string& pool) { return path("/pools/" + pool + "/members"); }

    std::string lb_;
    std::string pool_;
};

TEST_F(MemberTest, CreateFillsDefaults) {
    Reply reply =
        call("POST", members_path(pool_), {{"member", {{"address", "127.0.0.1"}, {"protocol_port", 9001}}}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    const json& member = reply.body["member"];
    EXPECT_EQ(missing_fields(member, {"id", "project_id", "name", "address", "protocol_port", "weight",
                                      "admin_state_up", "subnet_cidr_id", "ip_version", "operating_status",
                                      "status", "reason", "member_type", "instance_id", "availability_zone",
                                      "pool_id", "provisioning_status", "created_at", "updated_at"}),
              std::vector<std::string>{});
    EXPECT_EQ(member["pool_id"], pool_);
    EXPECT_EQ(member["weight"], 1);
    EXPECT_EQ(member["name"], "");
    EXPECT_EQ(member["ip_version"], "v4");
    EXPECT_EQ(member["member_type"], "ip");
    EXPECT_EQ(member["operating_status"], "NO_MONITOR");
    EXPECT_EQ(member["status"], json::array());
    EXPECT_EQ(member["subnet_cidr_id"], nullptr);
    ASSERT_EQ(data_plane_.published.back().pools[0].members.size(), 1u);
    EXPECT_EQ(data_plane_.published.back().pools[0].members[0].address, "127.0.0.1");
    EXPECT_EQ(data_plane_.published.back().pools[0].members[0].protocol_port, 9001);
}

TEST_F(MemberTest, ShowsHealthFromTheDataPlane) {
    const std::string online = create_member(pool_, "127.0.0.1", 9001);
    const std::string offline = create_member(pool_, "127.0.0.1", 9002);
    data_plane_.health[pool_ + " 127.0.0.1 9001"] = {"ONLINE", "", "", ""};
    data_plane_.health[pool_ + " 127.0.0.1 9002"] = {"OFFLINE", "RESPONSE_MISMATCH", "200-299", "503"};

    Reply shown_online = call("GET", members_path(pool_) + "/" + online);
    Reply shown_offline = call("GET", members_path(pool_) + "/" + offline);
    Reply filtered = call("GET", members_path(pool_) + "?operating_status=OFFLINE");

    ASSERT_EQ(shown_online.status, 200) << shown_online.body.dump();
    EXPECT_EQ(shown_online.body["member"]["operating_status"], "ONLINE");
    EXPECT_EQ(shown_online.body["member"]["reason"], nullptr);
    ASSERT_EQ(shown_offline.status, 200) << shown_offline.body.dump();
    EXPECT_EQ(shown_offline.body["member"]["operating_status"], "OFFLINE");
    EXPECT_EQ(shown_offline.body["member"]["reason"], json({{"reason_code", "RESPONSE_MISMATCH"},
                                                            {"expected_response", "200-299"},
                                                            {"healthcheck_response", "503"}}));
    ASSERT_EQ(filtered.status, 200) << filtered.body.dump();
    ASSERT_EQ(filtered.body["members"].size(), 1u);
    EXPECT_EQ(filtered.body["members"][0]["id"], offline);
}

TEST_F(MemberTest, Ipv6AddressReportsV6) {
    Reply reply =
        call("POST", members_path(pool_), {{"member", {{"address", "::1"}, {"protocol_port", 9001}}}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    EXPECT_EQ(reply.body["member"]["ip_version"], "v6");
}

TEST_F(MemberTest, ShowUpdateDelete) {
    const std::string id = create_member(pool_, "127.0.0.1", 9001);

    Reply shown = call("GET", members_path(pool_) + "/" + id);
    Reply updated = call("PUT", members_path(pool_) + "/" + id,
                         {{"member", {{"name", "web-1"}, {"weight", 5}, {"protocol_port", 9002}}}});

    ASSERT_EQ(shown.status, 200) << shown.body.dump();
    EXPECT_EQ(shown.body["member"]["address"], "127.0.0.1");
    ASSERT_EQ(updated.status, 200) << updated.body.dump();
    EXPECT_EQ(updated.body["member"]["name"], "web-1");
    EXPECT_EQ(updated.body["member"]["weight"], 5);
    EXPECT_EQ(updated.body["member"]["protocol_port"], 9002);
    EXPECT_EQ(data_plane_.published.back().pools[0].members[0].weight, 5);

    EXPECT_EQ(call("DELETE", members_path(pool_) + "/" + id).status, 204);
    Reply gone = call("GET", members_path(pool_) + "/" + id);
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.message(), "member " + id + " could not be found");
    EXPECT_EQ(data_plane_.published.back().pools[0].members.size(), 0u);
}

TEST_F(MemberTest, ImmutableAddressIsRejected) {
    const std::string id = create_member(pool_, "127.0.0.1", 9001);
    const State before = state();

    Reply changed = call("PUT", members_path(pool_) + "/" + id, {{"member", {{"address", "127.0.0.2"}}}});

    EXPECT_EQ(changed.status, 400);
    EXPECT_EQ(
        changed.message(),
        "member.address cannot be changed after creation (sent \"127.0.0.2\"). Create a new member instead.");
    expect_unchanged(before);
    Reply same = call("PUT", members_path(pool_) + "/" + id, {{"member", {{"address", "127.0.0.1"}}}});
    EXPECT_EQ(same.status, 200) << same.body.dump();
}

TEST_F(MemberTest, ResponseSentBackIsAccepted) {
    const std::string id = create_member(pool_, "127.0.0.1", 9001);

    Reply updated = put_response_back(member_kind(), members_path(pool_) + "/" + id);

    EXPECT_EQ(updated.status, 200) << updated.body.dump();
}

TEST_F(MemberTest, InvalidFieldsNameTheField) {
    struct Case {
        json object;
        std::string message;
    };
    const std::vector<Case> cases{
        {{{"weight", "5"}}, "member.weight: invalid value \"5\": use a whole number without quotes"},
        {{{"address", 127}}, "member.address: invalid value 127: use a string in double quotes"},
        {{{"weight", 101}}, "member.weight: invalid value \"101\": use a whole number from 0 to 100"},
        {{{"protocol_port", 0}},
         "member.protocol_port: invalid value \"0\": use a whole number from 1 to 65535"},
        {{{"address", "backend.local"}},
         "member.address: invalid value \"backend.local\": use an IPv4 or IPv6 address without brackets, "
         "such as "
         "127.0.0.1 or ::1"},
        {{{"wieght", 5}}, "member.wieght: unknown field: did you mean \"weight\"?"},
        {{{"pool_id", "x"}},
         "member.pool_id is set by the server and cannot be sent. Remove it from the request."},
        {{{"operating_status", "ONLINE"}},
         "member.operating_status is set by the server and cannot be sent. Remove it from the request."},
    };
    for (const auto& test : cases) {
        json object{{"address", "127.0.0.1"}, {"protocol_port", 9001}};
        object.update(test.object);
        const State before = state();
        Reply reply = call("POST", members_path(pool_), {{"member", object}});
        EXPECT_EQ(reply.status, 400) << object.dump();
        EXPECT_EQ(reply.message(), test.message);
        expect_unchanged(before);
    }
}

TEST_F(MemberTest, MissingAddressIsNamed) {
    const State before = state();

    Reply reply = call("POST", members_path(pool_), {{"member", {{"protocol_port", 9001}}}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(),
              "member.address: missing required field: use an IPv4 or IPv6 address without brackets, such as "
              "127.0.0.1 or ::1");
    expect_unchanged(before);
}

TEST_F(MemberTest, DuplicateAddressAndPortConflicts) {
    const std::string first = create_member(pool_, "127.0.0.1", 9001);
    const State before = state();

    Reply reply =
        call("POST", members_path(pool_), {{"member", {{"address", "127.0.0.1"}, {"protocol_port", 9001}}}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.body["error_code"], "ELB.8907");
    EXPECT_EQ(reply.message(),
              "member.address: duplicate member \"127.0.0.1:9001\": use another address or "
              "protocol_port, because member " +
                  first + " of pool " + pool_ + " already has them");
    expect_unchanged(before);
}

TEST_F(MemberTest, DuplicateIpv6SpellingConflicts) {
    const std::string first = create_member(pool_, "::1", 9001);

    Reply reply =
        call("POST", members_path(pool_), {{"member", {{"address", "0:0::1"}, {"protocol_port", 9001}}}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "member.address: duplicate member \"[0:0::1]:9001\": use another address or "
              "protocol_port, because member " +
                  first + " of pool " + pool_ + " already has them");
}

TEST_F(MemberTest, UpdateOntoAnotherMemberConflicts) {
    const std::string first = create_member(pool_, "127.0.0.1", 9001);
    const std::string second = create_member(pool_, "127.0.0.1", 9002);
    const State before = state();

    Reply reply = call("PUT", members_path(pool_) + "/" + first, {{"member", {{"protocol_port", 9002}}}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "member.address: duplicate member \"127.0.0.1:9002\": use another address or "
              "protocol_port, because member " +
                  second + " of pool " + pool_ + " already has them");
    expect_unchanged(before);
    Reply unchanged = call("PUT", members_path(pool_) + "/" + first, {{"member", {{"protocol_port", 9001}}}});
    EXPECT_EQ(unchanged.status, 200) << unchanged.body.dump();
}

TEST_F(MemberTest, SameBackendInTwoPoolsIsAccepted) {
    const std::string other = create_pool({{"loadbalancer_id", lb_}});
    create_member(pool_, "127.0.0.1", 9001);

    EXPECT_FALSE(create_member(other, "127.0.0.1", 9001).empty());
}

TEST_F(MemberTest, OtherPoolPathIsNotFound) {
    const std::string other = create_pool({{"loadbalancer_id", lb_}});
    const std::string id = create_member(pool_, "127.0.0.1", 9001);
    const State before = state();

    Reply shown = call("GET", members_path(other) + "/" + id);
    Reply updated = call("PUT", members_path(other) + "/" + id, {{"member", {{"weight", 3}}}});
    Reply deleted = call("DELETE", members_path(other) + "/" + id);

    const std::string message = "member " + id + " could not be found";
    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.message(), message);
    EXPECT_EQ(updated.status, 404);
    EXPECT_EQ(updated.message(), message);
    EXPECT_EQ(deleted.status, 404);
    EXPECT_EQ(deleted.message(), message);
    expect_unchanged(before);
}

TEST_F(MemberTest, UnknownPoolIsNotFound) {
    const std::string missing = "00000000-0000-4000-8000-000000000000";

    Reply created =
        call("POST", members_path(missing), {{"member", {{"address", "127.0.0.1"}, {"protocol_port", 1}}}});
    Reply listed = call("GET", members_path(missing));

    EXPECT_EQ(created.status, 404);
    EXPECT_EQ(created.message(), "pool " + missing + " could not be found");
    EXPECT_EQ(listed.status, 404);
    EXPECT_EQ(listed.message(), "pool " + missing + " could not be found");
}

TEST_F(MemberTest, ProjectListFiltersByPool) {
    const std::string other = create_pool({{"loadbalancer_id", lb_}});
    const std::string first = create_member(pool_, "127.0.0.1", 9001);
    const std::string second = create_member(other, "127.0.0.1", 9002);
    const std::string third = create_member(pool_, "127.0.0.1", 9003);

    Reply all = call("GET", path("/members"));
    Reply in_pool = call("GET", path("/members?pool_id=" + pool_));
    Reply in_both = call("GET", path("/members?pool_id=" + pool_ + "&pool_id=" + other));
    Reply scoped = call("GET", members_path(other));

    ASSERT_EQ(all.status, 200) << all.body.dump();
    EXPECT_EQ(ids_of(all.body["members"]), (std::vector<std::string>{first, second, third}));
    EXPECT_EQ(ids_of(in_pool.body["members"]), (std::vector<std::string>{first, third}));
    EXPECT_EQ(ids_of(in_both.body["members"]), (std::vector<std::string>{first, second, third}));
    EXPECT_EQ(ids_of(scoped.body["members"]), std::vector<std::string>{second});
    EXPECT_EQ(in_pool.body["page_info"]["current_count"], 2);
}

TEST_F(MemberTest, OtherProjectSeesNoMembers) {
    create_member(pool_, "127.0.0.1", 9001);

    Reply listed = call("GET", project_path(kOtherProject, "/members"));

    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(listed.body["members"], json::array());
}

}  // namespace
}  // namespace tollgate::control::test
