#include "proxy/http1/forwarding.h"
#include "proxy/http1/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::proxy::http1 {
namespace {

using model::InsertedHeader;

ListenerRuntime make_listener(model::Protocol protocol) {
    ListenerRuntime listener;
    listener.config.id = "web";
    listener.config.loadbalancer_id = "lb1";
    listener.config.protocol = protocol;
    listener.config.protocol_port = 8443;
    listener.vip_address = "127.0.0.1";
    return listener;
}

// Recomputes what compile_snapshot derives from the insert_headers settings.
void finish(ListenerRuntime& listener) {
    for (const auto& spec : model::inserted_header_specs()) {
        const auto& setting = listener.config.insert_headers[spec.header];
        if (setting.enabled || spec.client_certificate_family) {
            std::string name(spec.default_name);
            std::transform(name.begin(), name.end(), name.begin(), ::tolower);
            listener.stripped_headers.push_back(name);
            std::string alias = setting.name;
            std::transform(alias.begin(), alias.end(), alias.begin(), ::tolower);
            listener.stripped_headers.push_back(alias);
        }
    }
    if (listener.config.insert_headers.forwarded_for_mode != model::XffMode::Preserve) {
        listener.stripped_headers.emplace_back("x-forwarded-for");
    }
}

std::string forward(const std::string& head, const ListenerRuntime& listener, const ClientFacts& client) {
    RequestParser parser;
    EXPECT_EQ(parse_head(head, parser), HeadStatus::Complete);
    return build_upstream_request(parser.get(), listener, client, BodyFraming::None, 0, "10.0.0.1:80");
}

ClientFacts client_with_certificate() {
    ClientFacts client;
    client.address = "192.0.2.7";
    client.port = "50000";
    client.peer = tls::PeerCertificate{"CN=www.test.com,O=ELB", "O=ELB", "1f", "abcd",
                                       "2039-08-06T10:20:30Z",  "%2D%2D"};
    return client;
}

TEST(UpstreamRequest, StripsClientCertificateHeadersOnPlainListener) {
    auto listener = make_listener(model::Protocol::Http);
    finish(listener);
    std::string out = forward(
        "GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-clientcert-SUBJECTDN: CN=evil\r\n"
        "X-Forwarded-Clientcert: forged\r\nX-Forwarded-Clientcert-clientverify: SUCCESS\r\n"
        "X-Forwarded-Clientcert-ciphers: Evil-Cipher\r\n\r\n",
        listener, ClientFacts{"192.0.2.7", "50000", "", "", "", "", std::nullopt});
    EXPECT_EQ(out.find("evil"), std::string::npos) << out;
    EXPECT_EQ(out.find("forged"), std::string::npos) << out;
    EXPECT_EQ(out.find("SUCCESS"), std::string::npos) << out;
    EXPECT_EQ(out.find("Evil-Cipher"), std::string::npos) << out;
}

TEST(UpstreamRequest, ReplacesRequestIdWithGivenOne) {
    auto listener = make_listener(model::Protocol::Http);
    finish(listener);
    RequestParser parser;
    ASSERT_EQ(parse_head("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: first\r\nx-request-id: second\r\n\r\n",
                         parser),
              HeadStatus::Complete);
    std::string out = build_upstream_request(parser.get(), listener, ClientFacts{}, BodyFraming::None, 0,
                                             "10.0.0.1:80", "chosen-id");
    EXPECT_NE(out.find("\r\nX-Request-Id: chosen-id\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("first"), std::string::npos) << out;
    EXPECT_EQ(out.find("second"), std::string::npos) << out;
}

TEST(ClientResponse, ReplacesBackendRequestId) {
    boost::beast::http::response_header<> response;
    response.result(200);
    response.set("X-Request-Id", "from-backend");
    response.set("Server", "backend");
    std::string out = build_client_response(response, BodyFraming::ContentLength, 2, true, "chosen-id");
    EXPECT_EQ(out,
              "HTTP/1.1 200 OK\r\nServer: backend\r\nX-Request-Id: chosen-id\r\nContent-Length: 2\r\n\r\n");
}

TEST(RequestId, AcceptsVisibleAsciiUpTo128) {
    EXPECT_TRUE(is_valid_request_id("trace-42"));
    EXPECT_TRUE(is_valid_request_id(std::string(128, 'a')));
    EXPECT_FALSE(is_valid_request_id(""));
    EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
    EXPECT_FALSE(is_valid_request_id("has space"));
    EXPECT_FALSE(is_valid_request_id("tab\there"));
    EXPECT_FALSE(is_valid_request_id("caf\xc3\xa9"));
}

TEST(UpstreamRequest, ReplacesForgedSubjectWithVerifiedOne) {
    auto listener = make_listener(model::Protocol::Https);
    listener.config.insert_headers[InsertedHeader::ClientcertSubjectdn].enabled = true;
    finish(listener);
    std::string out =
        forward("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Clientcert-subjectdn: CN=evil\r\n\r\n", listener,
                client_with_certificate());
    EXPECT_EQ(out.find("evil"), std::string::npos) << out;
    EXPECT_NE(out.find("X-Forwarded-Clientcert-subjectdn: CN=www.test.com,O=ELB\r\n"), std::string::npos)
        << out;
}

TEST(UpstreamRequest, UsesAliasName) {
    auto listener = make_listener(model::Protocol::Https);
    auto& setting = listener.config.insert_headers[InsertedHeader::ClientcertFingerprint];
    setting.enabled = true;
    setting.name = "X-Client-Fp";
    finish(listener);
    std::string out = forward("GET / HTTP/1.1\r\nHost: a\r\nX-Client-Fp: forged\r\n\r\n", listener,
                              client_with_certificate());
    EXPECT_NE(out.find("X-Client-Fp: abcd\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("forged"), std::string::npos) << out;
}

TEST(UpstreamRequest, AppendsForwardedFor) {
    auto listener = make_listener(model::Protocol::Https);
    finish(listener);
    std::string out = forward(
        "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.1\r\n"
        "X-Forwarded-For: 198.51.100.2\r\n\r\n",
        listener, client_with_certificate());
    EXPECT_NE(out.find("X-Forwarded-For: 198.51.100.1, 198.51.100.2, 192.0.2.7\r\n"), std::string::npos)
        << out;
}

TEST(UpstreamRequest, RemovesForwardedFor) {
    auto listener = make_listener(model::Protocol::Https);
    listener.config.insert_headers.forwarded_for_mode = model::XffMode::Remove;
    finish(listener);
    std::string out = forward("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n", listener,
                              client_with_certificate());
    EXPECT_EQ(out.find("X-Forwarded-For"), std::string::npos) << out;
}

TEST(UpstreamRequest, PreservesForwardedFor) {
    auto listener = make_listener(model::Protocol::Https);
    listener.config.insert_headers.forwarded_for_mode = model::XffMode::Preserve;
    finish(listener);
    std::string out = forward("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n", listener,
                              client_with_certificate());
    EXPECT_NE(out.find("X-Forwarded-For: 198.51.100.1\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("192.0.2.7"), std::string::npos) << out;
}

TEST(UpstreamRequest, DropsHopByHopFields) {
    auto listener = make_listener(model::Protocol::Http);
    finish(listener);
    std::string out = forward(
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
        "Keep-Alive: 5\r\nProxy-Connection: close\r\nTE: trailers\r\nUpgrade: websocket\r\n"
        "X-Kept: yes\r\n\r\n",
        listener, ClientFacts{"192.0.2.7", "1", "", "", "", "", std::nullopt});
    for (const char* dropped :
         {"Connection", "X-Secret", "Keep-Alive", "Proxy-Connection", "TE:", "Upgrade"}) {
        EXPECT_EQ(out.find(dropped), std::string::npos) << dropped << " in " << out;
    }
    EXPECT_NE(out.find("X-Kept: yes\r\n"), std::string::npos) << out;
}

TEST(UpstreamRequest, SendsClientverifyNoneWithoutCertificate) {
    auto listener = make_listener(model::Protocol::Https);
    listener.config.insert_headers[InsertedHeader::ClientcertClientverify].enabled = true;
    listener.config.insert_headers[InsertedHeader::ClientcertSubjectdn].enabled = true;
    finish(listener);
    std::string out = forward("GET / HTTP/1.1\r\nHost: a\r\n\r\n", listener,
                              ClientFacts{"192.0.2.7", "1", "TLSv1.3", "", "", "", std::nullopt});
    EXPECT_NE(out.find("X-Forwarded-Clientcert-clientverify: NONE\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("X-Forwarded-Clientcert-subjectdn"), std::string::npos) << out;
}

TEST(UpstreamRequest, FramesChunkedBody) {
    auto listener = make_listener(model::Protocol::Http);
    finish(listener);
    RequestParser parser;
    ASSERT_EQ(parse_head("POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", parser),
              HeadStatus::Complete);
    std::string out =
        build_upstream_request(parser.get(), listener, ClientFacts{"192.0.2.7", "1", "", "", "", "", {}},
                               BodyFraming::Chunked, 0, "10.0.0.1:80");
    EXPECT_TRUE(out.starts_with("POST /u HTTP/1.1\r\n")) << out;
    EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << out;
    EXPECT_TRUE(out.ends_with("\r\n\r\n")) << out;
}

}  // namespace
}  // namespace tollgate::proxy::http1
