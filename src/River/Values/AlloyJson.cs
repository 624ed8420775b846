using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace River.Values;

/// <summary>
/// Alloy's <c>alloyjson</c> encoding used by the HTTP API: every value is <c>{"type": T, "value": V}</c>; arrays hold
/// such objects; objects are lists of <c>{"key": k, "value": {…}}</c> with sorted keys; functions are
/// <c>"function"</c>, capsules their description, secrets <c>"(secret)"</c>. A body (arguments or exports) is a list
/// of statements: <c>{"name", "type": "attr", "value"}</c> and <c>{"name", "type": "block", "label"?, "body": […]}</c>,
/// with optional attributes equal to their defaults left out.
/// </summary>
public static class AlloyJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One value as alloyjson text.</summary>
    public static string Value(Value value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            WriteValue(writer, value);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A typed arguments/exports object (a class with [River] properties) as an alloyjson body.</summary>
    public static string Body(object instance)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            WriteBody(writer, instance);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes one value.</summary>
    public static void WriteValue(Utf8JsonWriter writer, Value value)
    {
        writer.WriteStartObject();
        switch (value)
        {
            case NullValue:
                writer.WriteString("type", "null");
                writer.WriteNull("value");
                break;
            case BoolValue b:
                writer.WriteString("type", "bool");
                writer.WriteBoolean("value", b.Value);
                break;
            case NumberValue n:
                writer.WriteString("type", "number");
                writer.WritePropertyName("value");
                WriteNumber(writer, n);
                break;
            case StringValue s:
                writer.WriteString("type", "string");
                writer.WriteString("value", s.Value);
                break;
            case SecretValue:
                writer.WriteString("type", "capsule");
                writer.WriteString("value", "(secret)");
                break;
            case ArrayValue a:
                writer.WriteString("type", "array");
                writer.WriteStartArray("value");
                foreach (var e in a.Elements)
                {
                    WriteValue(writer, e);
                }

                writer.WriteEndArray();
                break;
            case ObjectValue o:
                writer.WriteString("type", "object");
                writer.WriteStartArray("value");
                foreach (var key in o.SortedKeys)
                {
                    o.TryGet(key, out var field);
                    writer.WriteStartObject();
                    writer.WriteString("key", key);
                    writer.WritePropertyName("value");
                    WriteValue(writer, field);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                break;
            case FunctionValue:
                writer.WriteString("type", "function");
                writer.WriteString("value", "function");
                break;
            case CapsuleValue c:
                writer.WriteString("type", "capsule");
                writer.WriteString("value", c.Description);
                break;
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes a body: the [River] attributes and blocks of a typed object (optional ones equal to their defaults left
    /// out, as Alloy does), the sorted attributes of an object value or of an object the value encoder turns into one,
    /// and an empty body for null or any other value (Alloy refuses to encode those as bodies).
    /// </summary>
    public static void WriteBody(Utf8JsonWriter writer, object? body)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        switch (body)
        {
            case null:
                break;
            case ObjectValue obj:
                WriteAttributes(writer, obj);
                break;
            case River.Values.Value:
                break;
            default:
                if (RiverSchema.For(body.GetType()) is { } schema)
                {
                    WriteStatements(writer, schema, body);
                }
                else if (ValueEncoder.Encode(body) is ObjectValue encoded)
                {
                    WriteAttributes(writer, encoded);
                }

                break;
        }

        writer.WriteEndArray();
    }

    private static void WriteStatements(Utf8JsonWriter writer, RiverSchema schema, object instance)
    {
        // Without a parameterless constructor there are no defaults to compare with: every field is written.
        object? defaults = null;
        if (instance.GetType().GetConstructor(Type.EmptyTypes) is not null)
        {
            try
            {
                defaults = Activator.CreateInstance(instance.GetType());
            }
            catch (System.Reflection.TargetInvocationException)
            {
                defaults = null;
            }
        }

        foreach (var field in schema.Fields)
        {
            var raw = field.Property.GetValue(instance);
            if (!field.Required && defaults is not null
                && (raw is null || ValueEncoder.Encode(raw).Equals(ValueEncoder.Encode(field.Property.GetValue(defaults)))))
            {
                continue;
            }

            if (!field.IsBlock)
            {
                WriteAttribute(writer, field.Name, ValueEncoder.Encode(raw));
                continue;
            }

            if (raw is null)
            {
                continue;
            }

            var blocks = field.IsRepeated ? ((System.Collections.IEnumerable)raw).Cast<object?>() : [raw];
            foreach (var block in blocks)
            {
                if (block is not null)
                {
                    WriteBlock(writer, field.Name, block);
                }
            }
        }
    }

    private static void WriteBlock(Utf8JsonWriter writer, string name, object block)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("type", "block");
        var schema = RiverSchema.For(block.GetType());
        if (schema?.Label?.GetValue(block) is string { Length: > 0 } label)
        {
            writer.WriteString("label", label);
        }

        writer.WritePropertyName("body");
        writer.WriteStartArray();
        if (schema is not null)
        {
            WriteStatements(writer, schema, block);
        }
        else if (block is System.Collections.IDictionary map)
        {
            // A block decoded into a map: its entries are the block's attributes.
            foreach (System.Collections.DictionaryEntry entry in map)
            {
                WriteAttribute(writer, (string)entry.Key, ValueEncoder.Encode(entry.Value));
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteAttributes(Utf8JsonWriter writer, ObjectValue obj)
    {
        foreach (var key in obj.SortedKeys)
        {
            obj.TryGet(key, out var field);
            WriteAttribute(writer, key, field);
        }
    }

    private static void WriteAttribute(Utf8JsonWriter writer, string name, Value value)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("type", "attr");
        writer.WritePropertyName("value");
        WriteValue(writer, value);
        writer.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter writer, NumberValue n)
    {
        if (n.NumberKind != NumberKind.Float)
        {
            writer.WriteRawValue(n.ToRiverString());
            return;
        }

        var f = n.AsFloat;
        if (double.IsNaN(f) || double.IsInfinity(f))
        {
            // JSON has no NaN or infinities; keep the information as text.
            writer.WriteStringValue(NumberValue.FormatFloat(f));
            return;
        }

        var abs = Math.Abs(f);
        writer.WriteRawValue(abs != 0 && (abs < 1e-6 || abs >= 1e21)
            ? f.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal)
            : NumberValue.FormatFloat(f));
    }
}
