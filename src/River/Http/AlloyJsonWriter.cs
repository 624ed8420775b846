using System.Collections;
using System.Text.Json;
using River.Values;

namespace River.Http;

/// <summary>
/// Alloy's JSON encoding of configuration bodies and values, as the UI API serves them: a body is an array of
/// statements (<c>{"name","type":"attr","value"}</c> or <c>{"name","type":"block","label"?,"body"}</c>), a value is
/// <c>{"type","value"}</c> with numbers as floats, objects as sorted <c>{"key","value"}</c> lists, secrets as the
/// capsule <c>(secret)</c>. Typed objects are walked by their River schema, so blocks appear as blocks and optional
/// attributes equal to their defaults are left out, as Alloy does.
/// </summary>
public static class AlloyJsonWriter
{
    /// <summary>Writes a body: a typed [River] object, an object value, or nothing (an empty array).</summary>
    public static void WriteBody(Utf8JsonWriter writer, object? body)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray();
        switch (body)
        {
            case null:
                break;
            case ObjectValue obj:
                foreach (var key in obj.SortedKeys)
                {
                    WriteAttribute(writer, key, obj.Fields[key]);
                }

                break;
            case Value:
                // Not a body: Alloy refuses to encode it; an empty body is the honest rendering.
                break;
            default:
                WriteSchemaStatements(writer, body);
                break;
        }

        writer.WriteEndArray();
    }

    private static void WriteSchemaStatements(Utf8JsonWriter writer, object body)
    {
        var schema = RiverSchema.For(body.GetType());
        if (schema is null)
        {
            if (ValueEncoder.Encode(body) is ObjectValue encoded)
            {
                foreach (var key in encoded.SortedKeys)
                {
                    WriteAttribute(writer, key, encoded.Fields[key]);
                }
            }

            return;
        }

        object? defaults = null;
        if (body.GetType().GetConstructor(Type.EmptyTypes) is not null)
        {
            try
            {
                defaults = Activator.CreateInstance(body.GetType());
            }
            catch (System.Reflection.TargetInvocationException)
            {
                defaults = null;
            }
        }

        foreach (var field in schema.Fields)
        {
            var current = field.Property.GetValue(body);
            if (!field.Required && defaults is not null)
            {
                var fallback = field.Property.GetValue(defaults);
                if (current is null || ValueEncoder.Encode(current).Equals(ValueEncoder.Encode(fallback)))
                {
                    continue;
                }
            }

            if (!field.IsBlock)
            {
                WriteAttribute(writer, field.Name, ValueEncoder.Encode(current));
                continue;
            }

            if (current is null)
            {
                continue;
            }

            if (field.IsRepeated && current is IEnumerable items)
            {
                foreach (var item in items)
                {
                    WriteBlock(writer, field.Name, item);
                }
            }
            else
            {
                WriteBlock(writer, field.Name, current);
            }
        }
    }

    private static void WriteBlock(Utf8JsonWriter writer, string name, object? block)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("type", "block");
        if (block is not null && RiverSchema.For(block.GetType())?.Label?.GetValue(block) is string { Length: > 0 } label)
        {
            writer.WriteString("label", label);
        }

        writer.WritePropertyName("body");
        WriteBody(writer, block);
        writer.WriteEndObject();
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

    /// <summary>Writes one value as <c>{"type","value"}</c>.</summary>
    public static void WriteValue(Utf8JsonWriter writer, Value value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        switch (value)
        {
            case NullValue:
                writer.WriteString("type", "null");
                break;
            case NumberValue number:
                writer.WriteString("type", "number");
                writer.WriteNumber("value", number.AsFloat);
                break;
            case StringValue text:
                writer.WriteString("type", "string");
                writer.WriteString("value", text.Value);
                break;
            case BoolValue flag:
                writer.WriteString("type", "bool");
                writer.WriteBoolean("value", flag.Value);
                break;
            case ArrayValue array:
                writer.WriteString("type", "array");
                writer.WriteStartArray("value");
                foreach (var element in array.Elements)
                {
                    WriteValue(writer, element);
                }

                writer.WriteEndArray();
                break;
            case ObjectValue obj:
                writer.WriteString("type", "object");
                writer.WriteStartArray("value");
                foreach (var key in obj.SortedKeys)
                {
                    writer.WriteStartObject();
                    writer.WriteString("key", key);
                    writer.WritePropertyName("value");
                    WriteValue(writer, obj.Fields[key]);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                break;
            case FunctionValue:
                writer.WriteString("type", "function");
                writer.WriteString("value", "function");
                break;
            case SecretValue:
                writer.WriteString("type", "capsule");
                writer.WriteString("value", "(secret)");
                break;
            case CapsuleValue capsule:
                writer.WriteString("type", "capsule");
                writer.WriteString("value", capsule.Description);
                break;
            default:
                writer.WriteString("type", value.KindName);
                writer.WriteString("value", value.ToString());
                break;
        }

        writer.WriteEndObject();
    }
}
