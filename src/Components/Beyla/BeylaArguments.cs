using System.Text.RegularExpressions;
using River.Components.Telemetry.Traces;
using River.Values;

namespace River.Components.Beyla;

/// <summary>
/// The arguments of <c>beyla.ebpf</c>, with Alloy's names, types and defaults. Every block validates itself; errors
/// name the attribute they concern.
/// </summary>
public sealed class BeylaArguments : IValidatable
{
    /// <summary>Debug mode: BPF logs, network logs and printed traces.</summary>
    [River("debug")]
    public bool Debug { get; set; }

    /// <summary>Abort start-up when required capabilities are missing (otherwise warn).</summary>
    [River("enforce_sys_caps")]
    public bool EnforceSysCaps { get; set; }

    /// <summary>Regular expression matched against the full command line, including the executable's directory.</summary>
    [River("executable_name")]
    public string ExecutableName { get; set; } = "";

    /// <summary>Ports and port ranges, e.g. <c>80,443,8000-8999</c>; any one matching port selects the process.</summary>
    [River("open_port")]
    public string OpenPort { get; set; } = "";

    /// <summary>
    /// Where telemetry goes. The reference's table marks the block required, but its own "Metrics" example has no
    /// output block; both are accepted: an absent block sends traces nowhere (metrics are scraped from the targets).
    /// </summary>
    [RiverBlock("output")]
    public OutputBlock Output { get; set; } = new();

    /// <summary>Attribute decoration and selection.</summary>
    [RiverBlock("attributes")]
    public AttributesBlock Attributes { get; set; } = new();

    /// <summary>Which processes to instrument.</summary>
    [RiverBlock("discovery")]
    public DiscoveryBlock Discovery { get; set; } = new();

    /// <summary>eBPF settings.</summary>
    [RiverBlock("ebpf")]
    public EbpfBlock Ebpf { get; set; } = new();

    /// <summary>Attribute-value filters.</summary>
    [RiverBlock("filters")]
    public FiltersBlock Filters { get; set; } = new();

    /// <summary>Which metrics are exposed.</summary>
    [RiverBlock("metrics")]
    public MetricsBlock Metrics { get; set; } = new();

    /// <summary>Route derivation; null when the block is absent (then no <c>http_route</c> label is reported).</summary>
    [RiverBlock("routes")]
    public RoutesBlock? Routes { get; set; }

    /// <summary>The parsed <see cref="OpenPort"/> (empty when unset or invalid).</summary>
    public PortList OpenPorts => PortList.TryParse(OpenPort, out var l, out _) ? l : PortList.Empty;

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentChecks.Regex(context, "executable_name", ExecutableName);
        ArgumentChecks.Ports(context, "open_port", OpenPort);
    }

    /// <summary>Runs <see cref="IValidatable.Validate"/> on this object and every nested block; errors prefixed with their path.</summary>
    public IReadOnlyList<(string? Name, string Message)> ValidateAll()
    {
        var all = new List<(string?, string)>();
        ValidateInto(all, "", this);
        return all;
    }

    private static void ValidateInto(List<(string?, string)> all, string prefix, object block)
    {
        if (block is IValidatable v)
        {
            var ctx = new ValidationContext();
            v.Validate(ctx);
            foreach (var (name, message) in ctx.Errors)
            {
                all.Add((prefix + (name ?? ""), message));
            }
        }

        foreach (var prop in block.GetType().GetProperties())
        {
            var attr = (RiverBlockAttribute?)Attribute.GetCustomAttribute(prop, typeof(RiverBlockAttribute));
            if (attr is null || prop.GetValue(block) is not { } child)
            {
                continue;
            }

            if (child is System.Collections.IList list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    ValidateInto(all, $"{prefix}{attr.Name}[{i}].", list[i]!);
                }
            }
            else
            {
                ValidateInto(all, $"{prefix}{attr.Name}.", child);
            }
        }
    }
}

/// <summary>The <c>output</c> block.</summary>
public sealed class OutputBlock
{
    /// <summary>Consumers of traces (<c>list(otelcol.Consumer)</c>); traces are dropped when empty.</summary>
    [River("traces")]
    public List<ITracesConsumer> Traces { get; set; } = [];
}

/// <summary>The <c>attributes</c> block.</summary>
public sealed class AttributesBlock
{
    /// <summary>Kubernetes decoration.</summary>
    [RiverBlock("kubernetes")]
    public KubernetesAttributesBlock Kubernetes { get; set; } = new();

    /// <summary>Instance id settings.</summary>
    [RiverBlock("instance_id")]
    public InstanceIdBlock InstanceId { get; set; } = new();

    /// <summary>Per-section include/exclude lists.</summary>
    [RiverBlock("select")]
    public List<SelectBlock> Select { get; set; } = [];
}

/// <summary>The <c>attributes &gt; kubernetes</c> block.</summary>
public sealed class KubernetesAttributesBlock : IValidatable
{
    /// <summary>Cluster name; detected from the API when empty.</summary>
    [River("cluster_name")]
    public string ClusterName { get; set; } = "";

    /// <summary>Informers to disable: <c>node</c>, <c>service</c>.</summary>
    [River("disable_informers")]
    public List<string> DisableInformers { get; set; } = [];

    /// <summary><c>true</c>, <c>false</c> or <c>autodetect</c>.</summary>
    [River("enable")]
    public string Enable { get; set; } = "false";

    /// <summary>Informer resynchronisation period.</summary>
    [River("informers_resync_period")]
    public TimeSpan InformersResyncPeriod { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Informer synchronisation timeout.</summary>
    [River("informers_sync_timeout")]
    public TimeSpan InformersSyncTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Restrict metadata to the local node.</summary>
    [River("meta_restrict_local_node")]
    public bool MetaRestrictLocalNode { get; set; }

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentChecks.OneOf(context, "enable", Enable, "true", "false", "autodetect", "");
        foreach (var i in DisableInformers)
        {
            ArgumentChecks.OneOf(context, "disable_informers", i, "node", "service");
        }

        ArgumentChecks.Positive(context, "informers_resync_period", InformersResyncPeriod);
        ArgumentChecks.Positive(context, "informers_sync_timeout", InformersSyncTimeout);
    }
}

/// <summary>The <c>attributes &gt; instance_id</c> block.</summary>
public sealed class InstanceIdBlock
{
    /// <summary>Resolve the hostname through DNS.</summary>
    [River("dns")]
    public bool Dns { get; set; } = true;

    /// <summary>Hostname used instead of the machine's.</summary>
    [River("override_hostname")]
    public string OverrideHostname { get; set; } = "";
}

/// <summary>One <c>attributes &gt; select</c> block.</summary>
public sealed class SelectBlock : IValidatable
{
    /// <summary>The metric or section name, possibly with <c>*</c> wildcards (<c>http_*</c>).</summary>
    [River("attr", Required = true)]
    public string Attr { get; set; } = "";

    /// <summary>Attribute names or wildcards to remove.</summary>
    [River("exclude")]
    public List<string> Exclude { get; set; } = [];

    /// <summary>Attribute names or wildcards to report; <c>*</c> for all.</summary>
    [River("include")]
    public List<string> Include { get; set; } = [];

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        if (string.IsNullOrWhiteSpace(Attr))
        {
            context.Error("attr", "attr must name a metric or section");
        }
        else
        {
            ArgumentChecks.Glob(context, "attr", Attr);
        }

        foreach (var i in Include)
        {
            ArgumentChecks.Glob(context, "include", i);
        }

        foreach (var e in Exclude)
        {
            ArgumentChecks.Glob(context, "exclude", e);
        }
    }
}

/// <summary>The <c>discovery</c> block.</summary>
public sealed class DiscoveryBlock
{
    /// <summary>Selectors of services to instrument (OR-ed; properties inside one are AND-ed).</summary>
    [RiverBlock("services")]
    public List<ServiceSelectorBlock> Services { get; set; } = [];

    /// <summary>Selectors of services never to instrument.</summary>
    [RiverBlock("exclude_services")]
    public List<ServiceSelectorBlock> ExcludeServices { get; set; } = [];

    /// <summary>Services excluded unless overridden: Beyla, Alloy, River and collectors.</summary>
    [RiverBlock("default_exclude_services")]
    public List<ServiceSelectorBlock> DefaultExcludeServices { get; set; } =
        [new() { ExePath = ServiceSelectorBlock.DefaultExcludeExePath }];

    /// <summary>Skip processes that already export OpenTelemetry data themselves.</summary>
    [River("exclude_otel_instrumented_services")]
    public bool ExcludeOtelInstrumentedServices { get; set; } = true;

    /// <summary>Skip Go-specific tracers.</summary>
    [River("skip_go_specific_tracers")]
    public bool SkipGoSpecificTracers { get; set; }
}

/// <summary>A <c>services</c>, <c>exclude_services</c> or <c>default_exclude_services</c> block.</summary>
public sealed class ServiceSelectorBlock : IValidatable
{
    /// <summary>
    /// The default exclusion: Alloy's list plus River itself (the CLI binary is <c>river</c> or <c>River.Cli</c>).
    /// </summary>
    public const string DefaultExcludeExePath = @"(?:^|/)(beyla$|alloy$|river$|River\.Cli(\.dll)?$|otelcol[^/]*$)";

    /// <summary>Service name given to matching processes.</summary>
    [River("name")]
    public string Name { get; set; } = "";

    /// <summary>Service namespace given to matching processes.</summary>
    [River("namespace")]
    public string Namespace { get; set; } = "";

    /// <summary>Port list the process must listen on (any one).</summary>
    [River("open_ports")]
    public string OpenPorts { get; set; } = "";

    /// <summary>Regular expression on the executable path and full command line.</summary>
    [River("exe_path")]
    public string ExePath { get; set; } = "";

    /// <summary>Kubernetes metadata criteria.</summary>
    [RiverBlock("kubernetes")]
    public KubernetesServiceBlock? Kubernetes { get; set; }

    /// <summary>True when no criterion is set (such a selector matches nothing).</summary>
    public bool IsEmpty => string.IsNullOrEmpty(OpenPorts) && string.IsNullOrEmpty(ExePath) && (Kubernetes?.IsEmpty ?? true);

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentChecks.Ports(context, "open_ports", OpenPorts);
        ArgumentChecks.Regex(context, "exe_path", ExePath);
    }
}

/// <summary>The <c>kubernetes</c> block inside a services selector; every field is a regular expression.</summary>
public sealed class KubernetesServiceBlock : IValidatable
{
    /// <summary>DaemonSet name.</summary>
    [River("daemonset_name")]
    public string DaemonsetName { get; set; } = "";

    /// <summary>Deployment name.</summary>
    [River("deployment_name")]
    public string DeploymentName { get; set; } = "";

    /// <summary>Namespace.</summary>
    [River("namespace")]
    public string Namespace { get; set; } = "";

    /// <summary>Owner name.</summary>
    [River("owner_name")]
    public string OwnerName { get; set; } = "";

    /// <summary>Pod labels: key → value regex.</summary>
    [River("pod_labels")]
    public Dictionary<string, string> PodLabels { get; set; } = [];

    /// <summary>Pod name.</summary>
    [River("pod_name")]
    public string PodName { get; set; } = "";

    /// <summary>ReplicaSet name.</summary>
    [River("replicaset_name")]
    public string ReplicasetName { get; set; } = "";

    /// <summary>StatefulSet name.</summary>
    [River("statefulset_name")]
    public string StatefulsetName { get; set; } = "";

    /// <summary>True when no criterion is set.</summary>
    public bool IsEmpty => DaemonsetName.Length + DeploymentName.Length + Namespace.Length + OwnerName.Length
        + PodName.Length + ReplicasetName.Length + StatefulsetName.Length == 0 && PodLabels.Count == 0;

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentChecks.Regex(context, "daemonset_name", DaemonsetName);
        ArgumentChecks.Regex(context, "deployment_name", DeploymentName);
        ArgumentChecks.Regex(context, "namespace", Namespace);
        ArgumentChecks.Regex(context, "owner_name", OwnerName);
        ArgumentChecks.Regex(context, "pod_name", PodName);
        ArgumentChecks.Regex(context, "replicaset_name", ReplicasetName);
        ArgumentChecks.Regex(context, "statefulset_name", StatefulsetName);
        foreach (var (_, value) in PodLabels)
        {
            ArgumentChecks.Regex(context, "pod_labels", value);
        }
    }
}

/// <summary>The <c>ebpf</c> block.</summary>
public sealed class EbpfBlock : IValidatable
{
    /// <summary>Messages to accumulate before a ring-buffer wakeup; 0 (unset) means Beyla's 500.</summary>
    [River("wakeup_len")]
    public int WakeupLen { get; set; }

    /// <summary>Look for an incoming <c>Traceparent</c> header in requests.</summary>
    [River("track_request_headers")]
    public bool TrackRequestHeaders { get; set; }

    /// <summary>A request unanswered for this long is reported with status 408; zero disables.</summary>
    [River("http_request_timeout")]
    public TimeSpan HttpRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Propagate context with Linux Traffic Control probes.</summary>
    [River("enable_context_propagation")]
    public bool EnableContextPropagation { get; set; }

    /// <summary>Report requests as soon as the response is seen.</summary>
    [River("high_request_volume")]
    public bool HighRequestVolume { get; set; }

    /// <summary>Heuristic SQL detection.</summary>
    [River("heuristic_sql_detect")]
    public bool HeuristicSqlDetect { get; set; }

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        if (WakeupLen < 0)
        {
            context.Error("wakeup_len", $"wakeup_len must not be negative, got {WakeupLen}");
        }

        if (HttpRequestTimeout < TimeSpan.Zero)
        {
            context.Error("http_request_timeout", "http_request_timeout must not be negative");
        }
    }
}

/// <summary>The <c>filters</c> block.</summary>
public sealed class FiltersBlock
{
    /// <summary>Filters on application (request) attributes.</summary>
    [RiverBlock("application")]
    public List<AttributeFilterBlock> Application { get; set; } = [];

    /// <summary>Filters on network flow attributes.</summary>
    [RiverBlock("network")]
    public List<AttributeFilterBlock> Network { get; set; } = [];
}

/// <summary>An <c>application</c> or <c>network</c> filter: a glob that an attribute must (not) match.</summary>
public sealed class AttributeFilterBlock : IValidatable
{
    /// <summary>Attribute name (OTel or Prometheus spelling).</summary>
    [River("attr", Required = true)]
    public string Attr { get; set; } = "";

    /// <summary>Glob the value must match.</summary>
    [River("match")]
    public string Match { get; set; } = "";

    /// <summary>Glob the value must not match.</summary>
    [River("not_match")]
    public string NotMatch { get; set; } = "";

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        if (string.IsNullOrWhiteSpace(Attr))
        {
            context.Error("attr", "attr must name an attribute");
        }

        if (Match.Length == 0 && NotMatch.Length == 0)
        {
            context.Error("match", $"filter on \"{Attr}\" needs match or not_match");
        }
        else if (Match.Length > 0 && NotMatch.Length > 0)
        {
            context.Error("not_match", $"filter on \"{Attr}\" may set only one of match and not_match");
        }

        if (Match.Length > 0)
        {
            ArgumentChecks.Glob(context, "match", Match);
        }

        if (NotMatch.Length > 0)
        {
            ArgumentChecks.Glob(context, "not_match", NotMatch);
        }
    }
}

/// <summary>The <c>metrics</c> block.</summary>
public sealed class MetricsBlock : IValidatable
{
    /// <summary>Accepted <c>features</c> values.</summary>
    public static readonly string[] KnownFeatures =
    [
        "application", "application_process", "application_service_graph", "application_span", "network",
        "application_span_otel", "application_host", "network_inter_zone",
    ];

    /// <summary>Accepted <c>instrumentations</c> values.</summary>
    public static readonly string[] KnownInstrumentations = ["*", "grpc", "http", "kafka", "redis", "sql", "mongo"];

    /// <summary>Metric families to export.</summary>
    [River("features")]
    public List<string> Features { get; set; } = ["application"];

    /// <summary>Protocols whose metrics are exported; <c>*</c> for all.</summary>
    [River("instrumentations")]
    public List<string> Instrumentations { get; set; } = ["*"];

    /// <summary>Keep service-graph edges from a service to itself.</summary>
    [River("allow_service_graph_self_references")]
    public bool AllowServiceGraphSelfReferences { get; set; }

    /// <summary>Network metrics options.</summary>
    [RiverBlock("network")]
    public NetworkMetricsBlock Network { get; set; } = new();

    /// <summary>True when <paramref name="instrumentation"/> (e.g. <c>http</c>) is enabled.</summary>
    public bool IsInstrumentationEnabled(string instrumentation) =>
        Instrumentations.Contains("*") || Instrumentations.Contains(instrumentation);

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        foreach (var f in Features)
        {
            ArgumentChecks.OneOf(context, "features", f, KnownFeatures);
        }

        foreach (var i in Instrumentations)
        {
            ArgumentChecks.OneOf(context, "instrumentations", i, KnownInstrumentations);
        }
    }
}

/// <summary>The <c>metrics &gt; network</c> block.</summary>
public sealed class NetworkMetricsBlock : IValidatable
{
    /// <summary>Linux IP protocol names accepted in <c>protocols</c> and <c>exclude_protocols</c>.</summary>
    public static readonly string[] KnownProtocols =
    [
        "AH", "BEETPH", "COMP", "DCCP", "EGP", "ENCAP", "ESP", "ETHERNET", "GRE", "ICMP", "IDP", "IGMP", "IP", "IPIP",
        "IPV6", "L2TP", "MPLS", "MTP", "PIM", "PUP", "RAW", "RSVP", "SCTP", "TCP", "TP", "UDP", "UDPLITE",
    ];

    /// <summary><c>external</c>, <c>local</c> or <c>name:&lt;iface&gt;</c>.</summary>
    [River("agent_ip_iface")]
    public string AgentIpIface { get; set; } = "external";

    /// <summary><c>ipv4</c>, <c>ipv6</c> or <c>any</c>.</summary>
    [River("agent_ip_type")]
    public string AgentIpType { get; set; } = "any";

    /// <summary>Override of the reported <c>beyla.ip</c>.</summary>
    [River("agent_ip")]
    public string AgentIp { get; set; } = "";

    /// <summary>Timeout for active flow cache entries.</summary>
    [River("cache_active_timeout")]
    public TimeSpan CacheActiveTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Maximum flows cached.</summary>
    [River("cache_max_flows")]
    public int CacheMaxFlows { get; set; } = 5000;

    /// <summary>CIDR ranges to report.</summary>
    [River("cidrs")]
    public List<string> Cidrs { get; set; } = [];

    /// <summary><c>ingress</c>, <c>egress</c> or <c>both</c>.</summary>
    [River("direction")]
    public string Direction { get; set; } = "both";

    /// <summary>Enable network metrics.</summary>
    [River("enabled")]
    public bool Enabled { get; set; }

    /// <summary>Interfaces not monitored.</summary>
    [River("exclude_interfaces")]
    public List<string> ExcludeInterfaces { get; set; } = ["lo"];

    /// <summary>Protocols not monitored.</summary>
    [River("exclude_protocols")]
    public List<string> ExcludeProtocols { get; set; } = [];

    /// <summary>Interfaces monitored (all when empty).</summary>
    [River("interfaces")]
    public List<string> Interfaces { get; set; } = [];

    /// <summary>Protocols monitored (all when empty).</summary>
    [River("protocols")]
    public List<string> Protocols { get; set; } = [];

    /// <summary>One in this many packets is sampled; 0 disables sampling.</summary>
    [River("sampling")]
    public int Sampling { get; set; }

    /// <summary><c>socket_filter</c> or <c>tc</c>.</summary>
    [River("source")]
    public string Source { get; set; } = "socket_filter";

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        if (AgentIpIface is not ("external" or "local") &&
            !(AgentIpIface.StartsWith("name:", StringComparison.Ordinal) && AgentIpIface.Length > 5))
        {
            context.Error("agent_ip_iface", $"agent_ip_iface must be \"external\", \"local\" or \"name:<interface>\", got \"{AgentIpIface}\"");
        }

        ArgumentChecks.OneOf(context, "agent_ip_type", AgentIpType, "ipv4", "ipv6", "any");
        ArgumentChecks.OneOf(context, "direction", Direction, "ingress", "egress", "both");
        ArgumentChecks.OneOf(context, "source", Source, "socket_filter", "tc");
        if (AgentIp.Length > 0 && !System.Net.IPAddress.TryParse(AgentIp, out _))
        {
            context.Error("agent_ip", $"agent_ip \"{AgentIp}\" is not an IP address");
        }

        if (CacheMaxFlows <= 0)
        {
            context.Error("cache_max_flows", $"cache_max_flows must be positive, got {CacheMaxFlows}");
        }

        if (Sampling < 0)
        {
            context.Error("sampling", $"sampling must not be negative, got {Sampling}");
        }

        ArgumentChecks.Positive(context, "cache_active_timeout", CacheActiveTimeout);
        foreach (var c in Cidrs)
        {
            if (!System.Net.IPNetwork.TryParse(c, out _))
            {
                context.Error("cidrs", $"\"{c}\" is not a CIDR range such as 10.0.0.0/8");
            }
        }

        foreach (var p in Protocols)
        {
            ArgumentChecks.OneOf(context, "protocols", p, KnownProtocols);
        }

        foreach (var p in ExcludeProtocols)
        {
            ArgumentChecks.OneOf(context, "exclude_protocols", p, KnownProtocols);
        }

        // Interface entries are names, globs or /regular expressions/ (issue #7).
        foreach (var (name, list) in new[] { ("interfaces", Interfaces), ("exclude_interfaces", ExcludeInterfaces) })
        {
            foreach (var pattern in list)
            {
                if (Network.InterfaceSelection.Check(pattern) is { } error)
                {
                    context.Error(name, error);
                }
            }
        }
    }
}

/// <summary>The <c>routes</c> block.</summary>
public sealed class RoutesBlock : IValidatable
{
    /// <summary><c>all</c> (also when empty), <c>metrics</c> or <c>traces</c>.</summary>
    [River("ignore_mode")]
    public string IgnoreMode { get; set; } = "";

    /// <summary>Paths to ignore.</summary>
    [River("ignore_patterns")]
    public List<string> IgnorePatterns { get; set; } = [];

    /// <summary>Patterns that give <c>http.route</c>.</summary>
    [River("patterns")]
    public List<string> Patterns { get; set; } = [];

    /// <summary><c>heuristic</c>, <c>path</c>, <c>unset</c> or <c>wildcard</c>.</summary>
    [River("unmatched")]
    public string Unmatched { get; set; } = "heuristic";

    /// <summary>The character that replaces id-like segments.</summary>
    [River("wildcard_char")]
    public string WildcardChar { get; set; } = "*";

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentChecks.OneOf(context, "ignore_mode", IgnoreMode, "", "all", "metrics", "traces");
        ArgumentChecks.OneOf(context, "unmatched", Unmatched, "heuristic", "path", "unset", "wildcard");
        if (WildcardChar.Length != 1 || WildcardChar[0] == '/')
        {
            context.Error("wildcard_char", $"wildcard_char must be a single character other than '/', got \"{WildcardChar}\"");
        }

        foreach (var p in Patterns)
        {
            if (!Routes.RoutePattern.TryParse(p, out _, out var error))
            {
                context.Error("patterns", error!);
            }
        }

        foreach (var p in IgnorePatterns)
        {
            if (!Routes.RoutePattern.TryParse(p, out _, out var error))
            {
                context.Error("ignore_patterns", error!);
            }
        }
    }
}

/// <summary>Shared checks used by the argument blocks.</summary>
internal static class ArgumentChecks
{
    public static void Regex(ValidationContext context, string name, string pattern)
    {
        if (pattern.Length == 0)
        {
            return;
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException ex)
        {
            context.Error(name, $"{name} is not a valid regular expression: {ex.Message}");
        }
    }

    public static void Ports(ValidationContext context, string name, string text)
    {
        if (!PortList.TryParse(text, out _, out var error))
        {
            context.Error(name, $"{name}: {error}");
        }
    }

    public static void Glob(ValidationContext context, string name, string pattern)
    {
        if (!Attributes.Glob.TryCreate(pattern, out _, out var error))
        {
            context.Error(name, $"{name}: {error}");
        }
    }

    public static void OneOf(ValidationContext context, string name, string value, params string[] allowed)
    {
        if (Array.IndexOf(allowed, value) < 0)
        {
            var shown = string.Join(", ", allowed.Where(a => a.Length > 0).Select(a => $"\"{a}\""));
            context.Error(name, $"invalid {name} value \"{value}\": must be one of {shown}");
        }
    }

    public static void Positive(ValidationContext context, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            context.Error(name, $"{name} must be a positive duration");
        }
    }
}
