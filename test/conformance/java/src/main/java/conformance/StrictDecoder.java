package conformance;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.internal.bind.TypeAdapters;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.util.JsonFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.regex.Pattern;

/**
 * Decodes JSON answers strictly against Mesos 1.11's own protocol definitions, in one JVM for all of them.
 *
 * <p>Input: a JSON-lines file, one {@code {"id", "type", "json"}} per line, where {@code type} is a message's full
 * name ({@code mesos.v1.master.Response}, {@code mesos.v1.master.Event}, {@code mesos.v1.agent.Response},
 * {@code mesos.v1.agent.ProcessIO}, ...) and {@code json} the answer's exact text. Output (stdout): one
 * {@code {"id", "ok", "errors"}} line per input line.
 *
 * <p>Two checks, both must pass:
 * <ol>
 *   <li>protobuf-java-util's {@code JsonFormat.parser()} (not {@code ignoringUnknownFields}) merges the text into the
 *       message and {@code build()} runs: unknown fields, unknown enum names, wrong value kinds and missing proto2
 *       required fields are errors;</li>
 *   <li>the text is written the way Mesos's own writer writes JSON (stout's {@code jsonify}, src/common/http.cpp):
 *       proto field names only (never the lowerCamel JSON names JsonFormat also accepts), no {@code null}, integers
 *       as bare JSON integers (never strings), enums as names, {@code bytes} as padded standard base64, and a
 *       {@code mesos.v1.UUID} of 16 bytes.</li>
 * </ol>
 */
public final class StrictDecoder {
  private static final Pattern BASE64 =
      Pattern.compile("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$");
  private static final Pattern INTEGER = Pattern.compile("^-?(?:0|[1-9][0-9]*)$");

  private final Map<String, Descriptor> types = new HashMap<>();

  private StrictDecoder() {
    FileDescriptor[] files = {
      org.apache.mesos.v1.Protos.getDescriptor(),
      org.apache.mesos.v1.master.Protos.getDescriptor(),
      org.apache.mesos.v1.agent.Protos.getDescriptor(),
      org.apache.mesos.v1.maintenance.Protos.getDescriptor(),
      org.apache.mesos.v1.quota.Protos.getDescriptor(),
      org.apache.mesos.v1.allocator.Protos.getDescriptor(),
      org.apache.mesos.v1.resource_provider.Protos.getDescriptor(),
    };
    for (FileDescriptor f : files) for (Descriptor d : f.getMessageTypes()) register(d);
  }

  private void register(Descriptor d) {
    types.put(d.getFullName(), d);
    for (Descriptor n : d.getNestedTypes()) register(n);
  }

  /** Every problem of one answer; empty when it decodes. */
  List<String> check(String type, String json) {
    List<String> errors = new ArrayList<>();
    Descriptor d = types.get(type);
    if (d == null) {
      errors.add("unknown message type " + type);
      return errors;
    }
    try {
      DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
      JsonFormat.parser().merge(json, b);
      b.build();
    } catch (Exception e) {
      errors.add("JsonFormat: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    try {
      JsonReader reader = new JsonReader(new StringReader(json));
      reader.setLenient(false);
      JsonElement root = TypeAdapters.JSON_ELEMENT.read(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) errors.add("$: trailing text after the JSON value");
      walkMessage(root, d, "$", errors);
    } catch (IOException | RuntimeException e) {
      errors.add("$: not JSON: " + e.getMessage());
    }
    return errors;
  }

  private void walkMessage(JsonElement e, Descriptor d, String path, List<String> errors) {
    if (!e.isJsonObject()) {
      errors.add(path + ": expected a JSON object for " + d.getFullName());
      return;
    }
    for (Entry<String, JsonElement> entry : e.getAsJsonObject().entrySet()) {
      String key = entry.getKey();
      String at = path + "." + key;
      FieldDescriptor f = d.findFieldByName(key);
      if (f == null) {
        FieldDescriptor byJsonName = null;
        for (FieldDescriptor c : d.getFields()) if (c.getJsonName().equals(key)) byJsonName = c;
        errors.add(at + ": " + (byJsonName != null
            ? "the JSON name of '" + byJsonName.getName() + "'; Mesos writes proto field names"
            : "no such field in " + d.getFullName()));
        continue;
      }
      JsonElement v = entry.getValue();
      if (v.isJsonNull()) {
        errors.add(at + ": null (Mesos never writes null)");
      } else if (f.isMapField()) {
        if (!v.isJsonObject()) {
          errors.add(at + ": a map field must be a JSON object");
          continue;
        }
        FieldDescriptor valueField = f.getMessageType().findFieldByName("value");
        for (Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) walkValue(m.getValue(), valueField, at + "[" + m.getKey() + "]", errors);
      } else if (f.isRepeated()) {
        if (!v.isJsonArray()) {
          errors.add(at + ": a repeated field must be a JSON array");
          continue;
        }
        JsonArray a = v.getAsJsonArray();
        for (int i = 0; i < a.size(); i++) walkValue(a.get(i), f, at + "[" + i + "]", errors);
      } else {
        walkValue(v, f, at, errors);
      }
    }
  }

  private void walkValue(JsonElement v, FieldDescriptor f, String at, List<String> errors) {
    if (v.isJsonNull()) {
      errors.add(at + ": null (Mesos never writes null)");
      return;
    }
    JsonPrimitive p = v.isJsonPrimitive() ? v.getAsJsonPrimitive() : null;
    switch (f.getJavaType()) {
      case INT:
      case LONG:
        if (p == null || !p.isNumber() || !INTEGER.matcher(p.getAsString()).matches()) {
          errors.add(at + ": " + f.getType() + " must be a bare JSON integer, got " + v);
        }
        break;
      case FLOAT:
      case DOUBLE:
        if (p == null || !p.isNumber()) errors.add(at + ": " + f.getType() + " must be a JSON number, got " + v);
        break;
      case BOOLEAN:
        if (p == null || !p.isBoolean()) errors.add(at + ": bool must be true or false, got " + v);
        break;
      case STRING:
        if (p == null || !p.isString()) errors.add(at + ": string expected, got " + v);
        break;
      case ENUM:
        if (p == null || !p.isString()) errors.add(at + ": enum " + f.getEnumType().getFullName() + " must be written as a name, got " + v);
        break;
      case BYTE_STRING:
        if (p == null || !p.isString() || !BASE64.matcher(p.getAsString()).matches()) {
          errors.add(at + ": bytes must be padded standard base64, got " + v);
        }
        break;
      case MESSAGE:
        walkMessage(v, f.getMessageType(), at, errors);
        if (f.getMessageType().getFullName().equals("mesos.v1.UUID") && v.isJsonObject()) {
          JsonElement value = v.getAsJsonObject().get("value");
          if (value != null && value.isJsonPrimitive() && BASE64.matcher(value.getAsString()).matches()) {
            int n = Base64.getDecoder().decode(value.getAsString()).length;
            if (n != 16) errors.add(at + ".value: a UUID is 16 bytes, this is " + n);
          }
        }
        break;
      default:
        errors.add(at + ": unhandled field type " + f.getType());
    }
  }

  /** {@code StrictDecoder <answers.jsonl>}: one result line per answer on stdout. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: StrictDecoder <answers.jsonl>");
      System.exit(2);
    }
    StrictDecoder decoder = new StrictDecoder();
    PrintStream out = new PrintStream(System.out, false, "UTF-8");
    int n = 0;
    int failed = 0;
    try (BufferedReader in = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) continue;
        JsonObject rec = TypeAdapters.JSON_ELEMENT.fromJson(line).getAsJsonObject();
        String id = rec.get("id").getAsString();
        List<String> errors = decoder.check(rec.get("type").getAsString(), rec.get("json").getAsString());
        JsonObject result = new JsonObject();
        result.addProperty("id", id);
        result.addProperty("ok", errors.isEmpty());
        JsonArray list = new JsonArray();
        for (String e : errors) list.add(new JsonPrimitive(e));
        result.add("errors", list);
        out.println(result.toString());
        n++;
        if (!errors.isEmpty()) failed++;
      }
    }
    out.flush();
    System.err.println("decoded " + (n - failed) + " of " + n + " strictly");
  }
}
