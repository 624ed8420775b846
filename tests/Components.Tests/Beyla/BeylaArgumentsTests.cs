using River.Components.Beyla;

namespace River.Components.Tests.Beyla;

public class BeylaArgumentsTests
{
    private static IReadOnlyList<(string? Name, string Message)> Validate(Action<BeylaArguments> configure)
    {
        var args = new BeylaArguments();
        configure(args);
        return args.ValidateAll();
    }

    private static void AssertSingleError(IReadOnlyList<(string? Name, string Message)> errors, string name, string fragment)
    {
        var e = Assert.Single(errors);
        Assert.Equal(name, e.Name);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultsMatchAlloyDocumentation()
    {
        var a = new BeylaArguments();
        Assert.False(a.Debug);
        Assert.False(a.EnforceSysCaps);
        Assert.Equal("", a.ExecutableName);
        Assert.Equal("", a.OpenPort);
        Assert.Empty(a.Output.Traces);
        Assert.Equal("false", a.Attributes.Kubernetes.Enable);
        Assert.Equal(TimeSpan.FromMinutes(30), a.Attributes.Kubernetes.InformersResyncPeriod);
        Assert.Equal(TimeSpan.FromSeconds(30), a.Attributes.Kubernetes.InformersSyncTimeout);
        Assert.True(a.Attributes.InstanceId.Dns);
        Assert.True(a.Discovery.ExcludeOtelInstrumentedServices);
        Assert.False(a.Discovery.SkipGoSpecificTracers);
        Assert.Contains("alloy$", Assert.Single(a.Discovery.DefaultExcludeServices).ExePath, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), a.Ebpf.HttpRequestTimeout);
        Assert.False(a.Ebpf.TrackRequestHeaders);
        Assert.Equal(["application"], a.Metrics.Features);
        Assert.Equal(["*"], a.Metrics.Instrumentations);
        Assert.Equal("external", a.Metrics.Network.AgentIpIface);
        Assert.Equal("any", a.Metrics.Network.AgentIpType);
        Assert.Equal(TimeSpan.FromSeconds(5), a.Metrics.Network.CacheActiveTimeout);
        Assert.Equal(5000, a.Metrics.Network.CacheMaxFlows);
        Assert.Equal("both", a.Metrics.Network.Direction);
        Assert.Equal(["lo"], a.Metrics.Network.ExcludeInterfaces);
        Assert.Equal("socket_filter", a.Metrics.Network.Source);
        Assert.Null(a.Routes);
        var routes = new RoutesBlock();
        Assert.Equal("heuristic", routes.Unmatched);
        Assert.Equal("*", routes.WildcardChar);
        Assert.Equal("", routes.IgnoreMode);
        Assert.Empty(a.ValidateAll());
    }

    [Fact]
    public void AFullValidConfigurationHasNoErrors()
    {
        var errors = Validate(a =>
        {
            a.OpenPort = "80,443,8000-8999";
            a.ExecutableName = "python3?";
            a.Discovery.Services.Add(new ServiceSelectorBlock { Name = "svc", OpenPorts = "8080", ExePath = "/usr/bin/.*" });
            a.Routes = new RoutesBlock { Patterns = ["/user/{id}", "/v1/:x/*"], IgnorePatterns = ["/health"], IgnoreMode = "traces", Unmatched = "path" };
            a.Attributes.Select.Add(new SelectBlock { Attr = "http_*", Include = ["*"], Exclude = ["http_path"] });
            a.Filters.Application.Add(new AttributeFilterBlock { Attr = "url.path", Match = "/user/*" });
            a.Metrics.Features = ["application", "network"];
            a.Metrics.Instrumentations = ["http", "grpc"];
            a.Metrics.Network.Protocols = ["TCP", "UDP"];
            a.Metrics.Network.Cidrs = ["10.0.0.0/8", "fd00::/8"];
            a.Metrics.Network.AgentIpIface = "name:eth0";
        });
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("80,", "open_port")]
    [InlineData("http", "open_port")]
    [InlineData("70000", "open_port")]
    [InlineData("9000-8000", "open_port")]
    public void InvalidOpenPortIsRejectedNamingTheAttribute(string ports, string name)
    {
        AssertSingleError(Validate(a => a.OpenPort = ports), name, "invalid port list");
    }

    [Fact]
    public void InvalidExecutableRegexIsRejected()
    {
        AssertSingleError(Validate(a => a.ExecutableName = "python(["), "executable_name", "not a valid regular expression");
    }

    [Fact]
    public void InvalidServiceSelectorFieldsAreRejectedWithTheirPath()
    {
        var errors = Validate(a => a.Discovery.Services.Add(new ServiceSelectorBlock { OpenPorts = "1-", ExePath = "(" }));
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Name == "discovery.services[0].open_ports");
        Assert.Contains(errors, e => e.Name == "discovery.services[0].exe_path");
    }

    [Fact]
    public void InvalidKubernetesRegexIsRejected()
    {
        var errors = Validate(a => a.Discovery.ExcludeServices.Add(new ServiceSelectorBlock
        {
            Kubernetes = new KubernetesServiceBlock { PodName = "a[" },
        }));
        AssertSingleError(errors, "discovery.exclude_services[0].kubernetes.pod_name", "regular expression");
    }

    [Theory]
    [InlineData("sometimes", "ignore_mode")]
    public void InvalidIgnoreModeIsRejected(string value, string name)
    {
        AssertSingleError(Validate(a => a.Routes = new RoutesBlock { IgnoreMode = value }), "routes." + name, "must be one of");
    }

    [Theory]
    [InlineData("heuristic")]
    [InlineData("path")]
    [InlineData("unset")]
    [InlineData("wildcard")]
    public void EveryDocumentedUnmatchedModeIsAccepted(string mode)
    {
        Assert.Empty(Validate(a => a.Routes = new RoutesBlock { Unmatched = mode }));
    }

    [Fact]
    public void UnknownUnmatchedModeIsRejected()
    {
        AssertSingleError(Validate(a => a.Routes = new RoutesBlock { Unmatched = "guess" }), "routes.unmatched", "\"guess\"");
    }

    [Fact]
    public void MultiCharacterWildcardIsRejected()
    {
        AssertSingleError(Validate(a => a.Routes = new RoutesBlock { WildcardChar = "**" }), "routes.wildcard_char", "single character");
    }

    [Fact]
    public void MalformedRoutePatternIsRejected()
    {
        AssertSingleError(Validate(a => a.Routes = new RoutesBlock { Patterns = ["/a/*/b"] }), "routes.patterns", "last segment");
        AssertSingleError(Validate(a => a.Routes = new RoutesBlock { IgnorePatterns = ["/a/{id"] }), "routes.ignore_patterns", "invalid route pattern");
    }

    [Fact]
    public void UnknownFeatureAndInstrumentationAreRejected()
    {
        var errors = Validate(a =>
        {
            a.Metrics.Features = ["application", "everything"];
            a.Metrics.Instrumentations = ["http", "smtp"];
        });
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Name == "metrics.features" && e.Message.Contains("\"everything\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Name == "metrics.instrumentations" && e.Message.Contains("\"smtp\"", StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidNetworkOptionsAreRejected()
    {
        var errors = Validate(a =>
        {
            a.Metrics.Network.Source = "xdp";
            a.Metrics.Network.Direction = "sideways";
            a.Metrics.Network.AgentIpType = "ipv5";
            a.Metrics.Network.AgentIpIface = "name:";
            a.Metrics.Network.Protocols = ["TCP", "QUIC"];
            a.Metrics.Network.Cidrs = ["10.0.0.0/33"];
            a.Metrics.Network.CacheMaxFlows = 0;
        });
        var names = errors.Select(e => e.Name).ToHashSet();
        Assert.Equal(
            new HashSet<string?>
            {
                "metrics.network.source", "metrics.network.direction", "metrics.network.agent_ip_type",
                "metrics.network.agent_ip_iface", "metrics.network.protocols", "metrics.network.cidrs",
                "metrics.network.cache_max_flows",
            },
            names);
    }

    [Fact]
    public void KubernetesEnableAcceptsAutodetectButNotOtherWords()
    {
        Assert.Empty(Validate(a => a.Attributes.Kubernetes.Enable = "autodetect"));
        AssertSingleError(Validate(a => a.Attributes.Kubernetes.Enable = "maybe"), "attributes.kubernetes.enable", "must be one of");
        AssertSingleError(Validate(a => a.Attributes.Kubernetes.DisableInformers = ["pod"]), "attributes.kubernetes.disable_informers", "\"pod\"");
    }

    [Fact]
    public void FiltersNeedExactlyOneOfMatchAndNotMatchAndAValidGlob()
    {
        AssertSingleError(Validate(a => a.Filters.Application.Add(new AttributeFilterBlock { Attr = "url.path" })),
            "filters.application[0].match", "needs match or not_match");
        AssertSingleError(Validate(a => a.Filters.Network.Add(new AttributeFilterBlock { Attr = "x", Match = "a", NotMatch = "b" })),
            "filters.network[0].not_match", "only one");
        AssertSingleError(Validate(a => a.Filters.Application.Add(new AttributeFilterBlock { Attr = "x", Match = "{a,b" })),
            "filters.application[0].match", "invalid glob");
    }

    [Fact]
    public void SelectNeedsAnAttr()
    {
        AssertSingleError(Validate(a => a.Attributes.Select.Add(new SelectBlock { Include = ["*"] })), "attributes.select[0].attr", "attr");
    }

    [Fact]
    public void NegativeEbpfSettingsAreRejected()
    {
        var errors = Validate(a =>
        {
            a.Ebpf.WakeupLen = -1;
            a.Ebpf.HttpRequestTimeout = TimeSpan.FromSeconds(-1);
        });
        Assert.Equal(["ebpf.http_request_timeout", "ebpf.wakeup_len"], errors.Select(e => e.Name!).Order().ToArray());
    }
}
