#include "proxy/http1/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::proxy::http1 {
namespace {

HeadStatus parse(const std::string& head) {
    RequestParser parser;
    HeadStatus status = screen_head(head);
    if (status != HeadStatus::Complete) {
        return status;
    }
    return parse_head(head, parser);
}

TEST(FindHeadEnd, FindsBlankLine) {
    std::string data = "GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY";
    EXPECT_EQ(find_head_end(data, 0), data.size() - 4);
}

TEST(FindHeadEnd, WaitsForIncompleteHead) {
    EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n", 0), 0u);
}

TEST(FindHeadEnd, SkipsLeadingEmptyLines) {
    std::string data = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    EXPECT_EQ(find_head_end(data, 0), data.size());
}

TEST(ScreenHead, AcceptsPlainRequest) {
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), HeadStatus::Complete);
}

TEST(ScreenHead, RejectsObsoleteLineFolding) {
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"), HeadStatus::Malformed);
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n"), HeadStatus::Malformed);
}

TEST(ScreenHead, RejectsBareLineFeed) {
    EXPECT_EQ(parse("GET / HTTP/1.1\nHost: a\r\n\r\n"), HeadStatus::Malformed);
}

TEST(ScreenHead, RejectsBareCarriageReturn) {
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), HeadStatus::Malformed);
}

TEST(ScreenHead, RejectsLongRequestLine) {
    std::string head = "GET /" + std::string(kMaxRequestLineBytes, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
    EXPECT_EQ(parse(head), HeadStatus::TooLarge);
}

TEST(ScreenPartialHead, RejectsUnterminatedLongLine) {
    EXPECT_EQ(screen_partial_head(std::string(kMaxRequestLineBytes + 1, 'a')), HeadStatus::TooLarge);
    EXPECT_EQ(screen_partial_head(std::string(100, 'a')), HeadStatus::Complete);
}

TEST(ScreenPartialHead, RejectsBareLineFeedEarly) {
    EXPECT_EQ(screen_partial_head("GET / HTTP/1.1\nHost: x\n"), HeadStatus::Malformed);
    EXPECT_EQ(screen_partial_head("GET / HTTP/1.1\r\nHost: x\r\n"), HeadStatus::Complete);
}

TEST(ScreenPartialHead, RejectsOversizedHeaderBlock) {
    std::string data = "GET / HTTP/1.1\r\n" + std::string(kMaxHeaderBytes, 'a');
    EXPECT_EQ(screen_partial_head(data), HeadStatus::TooLarge);
}

TEST(ParseHead, RejectsContentLengthWithChunked) {
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
              HeadStatus::Malformed);
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
              HeadStatus::Malformed);
}

TEST(ParseHead, RejectsDifferingContentLengths) {
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
              HeadStatus::Malformed);
}

TEST(ParseHead, RejectsNonNumericContentLength) {
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\n"), HeadStatus::Malformed);
}

TEST(ParseHead, RejectsTransferCodingOtherThanChunked) {
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
              HeadStatus::Malformed);
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n"),
              HeadStatus::Malformed);
    EXPECT_EQ(
        parse(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
        HeadStatus::Malformed);
}

TEST(ParseHead, AcceptsChunked) {
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"),
              HeadStatus::Complete);
}

TEST(ParseHead, RequiresOneHostInHttp11) {
    EXPECT_EQ(parse("GET / HTTP/1.1\r\n\r\n"), HeadStatus::Malformed);
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), HeadStatus::Malformed);
    EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n"), HeadStatus::Complete);
}

TEST(ParseHead, RejectsSpaceBeforeColon) {
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n"),
              HeadStatus::Malformed);
}

TEST(ParseHead, RejectsUnknownVersion) {
    EXPECT_EQ(parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), HeadStatus::Malformed);
}

}  // namespace
}  // namespace tollgate::proxy::http1
