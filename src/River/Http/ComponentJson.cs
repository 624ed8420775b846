using System.Globalization;
using System.Text.Json;
using River.Runtime;
using River.Values;

namespace River.Http;

/// <summary>
/// Writes components in the JSON shape of Alloy's UI API (<c>/api/v0/web/components</c>): name, type, localID,
/// moduleID, label, referencesTo, referencedBy, dataFlowEdgesTo, health, original, arguments, exports, debugInfo,
/// liveDebuggingEnabled. Arguments, exports and debug info are Alloy JSON bodies (secrets as <c>(secret)</c>).
/// </summary>
public static class ComponentJson
{
    /// <summary>Writes one component; <paramref name="detail"/> adds arguments, exports and debug info.</summary>
    public static void Write(Utf8JsonWriter writer, ComponentController controller, ComponentNode node, bool detail)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(node);
        var dependencies = controller.DependenciesOf(node);
        var dependants = controller.DependantsOf(node);
        writer.WriteStartObject();
        writer.WriteString("name", node.Name);
        writer.WriteString("type", "block");
        writer.WriteString("localID", node.Id);
        writer.WriteString("moduleID", string.Empty);
        if (node.Label.Length > 0)
        {
            writer.WriteString("label", node.Label);
        }

        WriteIds(writer, "referencesTo", dependencies);
        WriteIds(writer, "referencedBy", dependants);

        // Data flows against the reference when the referenced export is a receiver (a capsule: forward_to =
        // [x.receiver] sends data to x), and along it otherwise (targets = x.targets: data comes from x).
        writer.WriteStartArray("dataFlowEdgesTo");
        foreach (var dependency in dependencies)
        {
            if (ExportsHold(dependency.Exports, ValueKind.Capsule))
            {
                writer.WriteStringValue(dependency.Id);
            }
        }

        if (!ExportsHold(node.Exports, ValueKind.Capsule))
        {
            foreach (var dependant in dependants)
            {
                writer.WriteStringValue(dependant.Id);
            }
        }

        writer.WriteEndArray();
        var health = node.Health;
        writer.WriteStartObject("health");
        writer.WriteString("state", HealthAggregation.StateName(health.State));
        writer.WriteString("message", health.Message);
        writer.WriteString("updatedTime", health.UpdatedTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        writer.WriteEndObject();
        writer.WriteString("original", string.Empty);
        writer.WritePropertyName("arguments");
        AlloyJson.WriteBody(writer, detail ? node.Arguments : null);
        writer.WritePropertyName("exports");
        AlloyJson.WriteBody(writer, detail ? node.ExportsObject ?? node.Exports : null);
        writer.WritePropertyName("debugInfo");
        AlloyJson.WriteBody(writer, detail ? node.DebugInfo : null);
        writer.WriteBoolean("liveDebuggingEnabled", false);
        writer.WriteEndObject();
    }

    private static void WriteIds(Utf8JsonWriter writer, string name, IReadOnlyList<ComponentNode> nodes)
    {
        writer.WriteStartArray(name);
        foreach (var node in nodes)
        {
            writer.WriteStringValue(node.Id);
        }

        writer.WriteEndArray();
    }

    private static bool ExportsHold(Value exports, ValueKind kind)
    {
        if (exports is not ObjectValue obj)
        {
            return exports.Kind == kind;
        }

        foreach (var field in obj.Fields.Values)
        {
            if (field.Kind == kind || (field is ArrayValue array && array.Elements.Any(e => e.Kind == kind)))
            {
                return true;
            }
        }

        return false;
    }
}
