using System.Text;
using River.Components.Beyla;
using River.Components.Beyla.Routes;

namespace River.Components.Tests.Beyla;

public class RouteTests
{
    private static RouteMatcher Matcher(params string[] patterns) => new(patterns.Select(RoutePattern.Parse));

    [Theory]
    [InlineData("/user/123", "/user/{id}")]
    [InlineData("/user/abc/", "/user/{id}")]
    [InlineData("user/abc", "/user/{id}")]
    [InlineData("/user/7/basket/9", "/user/:uid/basket/:item")]
    [InlineData("/user/me", "/user/me")]
    [InlineData("/v1/anything/at/all", "/v1/*")]
    [InlineData("/v1", "/v1/*")]
    [InlineData("/files/doc42", "/files/doc:name")]
    public void PatternsGiveThePatternAsWrittenAsTheRoute(string path, string expected)
    {
        var m = Matcher("/user/{id}", "/user/:uid/basket/:item", "/user/me", "/v1/*", "/files/doc:name");
        Assert.Equal(expected, m.Match(path));
    }

    [Theory]
    [InlineData("/user")]
    [InlineData("/user/1/2")]
    [InlineData("/files/doc")]
    [InlineData("/other")]
    public void PathsThatMatchNoPatternGiveNull(string path)
    {
        var m = Matcher("/user/{id}", "/files/doc:name");
        Assert.Null(m.Match(path));
    }

    [Fact]
    public void LiteralSegmentsWinOverParametersButFallBackWhenTheLiteralBranchFails()
    {
        var m = Matcher("/user/{id}/orders", "/user/admin");
        Assert.Equal("/user/admin", m.Match("/user/admin"));
        Assert.Equal("/user/{id}/orders", m.Match("/user/admin/orders"));
    }

    [Fact]
    public void PatternParserRecognisesEverySegmentKind()
    {
        var p = RoutePattern.Parse("/a/{b}/:c/d:e/*");
        Assert.Equal(
            [RouteSegmentKind.Literal, RouteSegmentKind.Parameter, RouteSegmentKind.Parameter, RouteSegmentKind.PrefixedParameter, RouteSegmentKind.Rest],
            p.Segments.Select(s => s.Kind));
        Assert.Equal(["a", "b", "c", "d", "*"], p.Segments.Select(s => s.Text));
    }

    [Theory]
    [InlineData("/users/fdklsd/j4elk/23993/job/2", "/users/*/j4elk/*/job/*")]
    [InlineData("/v1/products/22j", "/v1/products/*")]
    [InlineData("/products//org/3", "/products//org/*")]
    [InlineData("123", "*")]
    [InlineData("/**", "/*")]
    [InlineData("/api/hello.world", "/api/hello.world")]
    [InlineData("/user-space/", "/user-space/")]
    [InlineData("document/d/C2fMkAGb3E_abc/edit", "document/d/*/edit")]
    [InlineData("/orders/deadbeefcafe1234", "/orders/*")]
    [InlineData("/items/4f3c2a?x=1", "/items/*")]
    [InlineData("/a/b/c/d/e/f/g/h/i/j/k/l", "/a/b/c/d/e/f/g/h/i/j/")]
    public void HeuristicReplacesIdLikeSegmentsWithTheWildcard(string path, string expected)
    {
        Assert.Equal(expected, RouteHeuristic.Classify(path));
    }

    [Fact]
    public void HeuristicUsesTheConfiguredWildcardCharacter()
    {
        Assert.Equal("/users/#", RouteHeuristic.Classify("/users/42", '#'));
    }

    private static RouteClassifier Classifier(string unmatched, string ignoreMode = "", string[]? ignore = null, string[]? patterns = null) =>
        new(new RoutesBlock
        {
            Unmatched = unmatched,
            IgnoreMode = ignoreMode,
            IgnorePatterns = [.. ignore ?? []],
            Patterns = [.. patterns ?? ["/user/{id}"]],
        });

    [Fact]
    public void UnmatchedHeuristicDerivesTheRoute()
    {
        var c = Classifier("heuristic");
        Assert.Equal("/user/{id}", c.Classify("/user/5").Route);
        Assert.Equal("/orders/*", c.Classify("/orders/5?page=2").Route);
    }

    [Fact]
    public void UnmatchedPathCopiesThePathWithoutTheQuery()
    {
        Assert.Equal("/orders/5", Classifier("path").Classify("/orders/5?page=2").Route);
    }

    [Fact]
    public void UnmatchedUnsetLeavesTheRouteEmpty()
    {
        Assert.Equal("", Classifier("unset").Classify("/orders/5").Route);
    }

    [Fact]
    public void UnmatchedWildcardGivesDoubleStar()
    {
        Assert.Equal("/**", Classifier("wildcard").Classify("/orders/5").Route);
    }

    [Fact]
    public void IgnoreModeAllDropsMetricsAndTraces()
    {
        var d = Classifier("heuristic", "all", ["/health", "/internal/*"]).Classify("/internal/x/y");
        Assert.True(d.DropMetrics);
        Assert.True(d.DropTraces);
        var empty = Classifier("heuristic", "", ["/health"]).Classify("/health");
        Assert.True(empty.DropMetrics && empty.DropTraces);
    }

    [Fact]
    public void IgnoreModeMetricsDropsOnlyMetrics()
    {
        var d = Classifier("heuristic", "metrics", ["/health"]).Classify("/health");
        Assert.True(d.DropMetrics);
        Assert.False(d.DropTraces);
        Assert.Equal("/health", d.Route);
    }

    [Fact]
    public void IgnoreModeTracesDropsOnlyTraces()
    {
        var d = Classifier("heuristic", "traces", ["/health"]).Classify("/health");
        Assert.False(d.DropMetrics);
        Assert.True(d.DropTraces);
    }

    [Fact]
    public void PathsNotIgnoredAreKept()
    {
        var d = Classifier("heuristic", "all", ["/health"]).Classify("/healthz");
        Assert.False(d.DropMetrics || d.DropTraces);
    }

    [Fact]
    public void ClassifyingCapturedBytesGivesTheSameRouteInstanceEachTime()
    {
        var c = Classifier("heuristic", patterns: []);
        var a = c.Classify("/orders/17"u8).Route;
        var b = c.Classify("/orders/17"u8).Route;
        Assert.Equal("/orders/*", a);
        Assert.Same(a, b);
    }

    [Fact]
    public void RequestLineIsSplitIntoMethodPathAndQuery()
    {
        var bytes = Encoding.ASCII.GetBytes("POST /api/items/42?verbose=1#frag HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.True(HttpRequestParser.TryParseRequestLine(bytes, out var line));
        Assert.Equal("POST", line.KnownMethod);
        Assert.Equal("/api/items/42", Encoding.ASCII.GetString(line.Path));
        Assert.Equal("verbose=1", Encoding.ASCII.GetString(line.Query));
    }

    [Fact]
    public void TruncatedAndAbsoluteFormRequestLinesStillYieldAPath()
    {
        Assert.True(HttpRequestParser.TryParseRequestLine("GET /very/long/pa"u8, out var truncated));
        Assert.Equal("/very/long/pa", Encoding.ASCII.GetString(truncated.Path));
        Assert.True(HttpRequestParser.TryParseRequestLine("GET http://example.com:8080/x/y?q HTTP/1.1\r\n"u8, out var absolute));
        Assert.Equal("/x/y", Encoding.ASCII.GetString(absolute.Path));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n")]
    [InlineData("BREW /pot HTTP/1.1\r\n")]
    [InlineData("GET")]
    [InlineData("")]
    public void BytesThatAreNotARequestAreRejected(string text)
    {
        Assert.False(HttpRequestParser.TryParseRequestLine(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void TraceparentHeaderIsFoundCaseInsensitively()
    {
        var req = "GET / HTTP/1.1\r\nHost: a\r\nTraceParent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n"u8;
        Span<byte> trace = stackalloc byte[16];
        Span<byte> parent = stackalloc byte[8];
        Assert.True(HttpRequestParser.TryFindTraceParent(req, trace, parent, out var flags));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", Convert.ToHexStringLower(trace));
        Assert.Equal("b7ad6b7169203331", Convert.ToHexStringLower(parent));
        Assert.Equal(1, flags);
        Assert.False(HttpRequestParser.TryFindTraceParent("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8, trace, parent, out _));
    }
}
