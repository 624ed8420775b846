using System.Collections;

namespace River.Values;

/// <summary>
/// Turns .NET objects into River values, the inverse of <see cref="ValueConverter"/>: the runtime publishes a
/// component's exports object this way. Classes with [River] properties become objects (attributes and blocks by
/// their River names, repeated blocks as arrays), lists arrays, string-keyed dictionaries objects, durations Go
/// duration strings, enums snake_case strings, <see cref="Secret"/> secrets, and anything else a capsule.
/// </summary>
public static class ValueEncoder
{
    /// <summary>Encodes one object.</summary>
    public static Value Encode(object? value)
    {
        switch (value)
        {
            case null:
                return Value.Null;
            case Value v:
                return v;
            case string s:
                return Value.String(s);
            case bool b:
                return Value.Bool(b);
            case int i:
                return Value.Int(i);
            case long l:
                return Value.Int(l);
            case short s16:
                return Value.Int(s16);
            case sbyte s8:
                return Value.Int(s8);
            case byte u8:
                return Value.Int(u8);
            case ushort u16:
                return Value.Int(u16);
            case uint u32:
                return Value.Int(u32);
            case ulong u64:
                return Value.Uint(u64);
            case double d:
                return Value.Float(d);
            case float f:
                return Value.Float(f);
            case decimal m:
                return Value.Float((double)m);
            case TimeSpan t:
                return Value.String(GoDuration.Format(t));
            case Enum e:
                return Value.String(ValueConverter.EnumName(e));
            case Secret secret:
                return new SecretValue(secret.Value);
            case IDictionary dict when RiverSchema.DictionaryValueType(value.GetType()) is not null || value is Dictionary<string, object?>:
                var fields = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dict)
                {
                    fields[(string)entry.Key] = Encode(entry.Value);
                }

                return new ObjectValue(fields);
            case IEnumerable list when RiverSchema.ListElementType(value.GetType()) is not null || value is IList:
                var items = new List<Value>();
                foreach (var item in list)
                {
                    items.Add(Encode(item));
                }

                return items.Count == 0 ? ArrayValue.Empty : new ArrayValue(items.ToArray());
        }

        if (RiverSchema.For(value.GetType()) is { } schema)
        {
            return EncodeObject(value, schema);
        }

        return new CapsuleValue(value);
    }

    private static ObjectValue EncodeObject(object value, RiverSchema schema)
    {
        // Sized up front and indexed (not enumerated through the interface): the loader encodes every component's
        // arguments, thousands of times for a large config.
        var schemaFields = schema.Fields;
        var fields = new OrderedDictionary<string, Value>(schemaFields.Count, StringComparer.Ordinal);
        for (var i = 0; i < schemaFields.Count; i++)
        {
            var field = schemaFields[i];
            var raw = field.GetValue(value);
            if (field.IsBlock && raw is null)
            {
                // An absent optional block is simply not there.
                continue;
            }

            fields[field.Name] = Encode(raw);
        }

        return new ObjectValue(fields);
    }
}
