/*
 * Reads Parquet datasets such as cais/mmlu (question: string, subject: string, choices:
 * list<string>, answer: int64) through parquet-mr's record assembly, which, unlike the flat reader
 * in ai.fairl.data, rebuilds list columns. Simplified: primitive columns and lists of primitives;
 * nested structs and lists of lists are errors.
 * TODO(consolidate): fold into ai.fairl.data.DatasetFiles.
 */
package ai.fairl.infer;

import blue.strategic.parquet.ParquetReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/** Reads Parquet rows with list columns. */
final class ParquetRows {
  private ParquetRows() {}

  static List<Map<String, Object>> rows(Path file) {
    List<Map<String, Object>> out = new ArrayList<>();
    try (ParquetFileReader r = ParquetFileReader.open(ParquetReader.makeInputFile(file.toFile()))) {
      MessageType schema = r.getFooter().getFileMetaData().getSchema();
      MessageColumnIO io = new ColumnIOFactory().getColumnIO(schema);
      PageReadStore pages;
      while ((pages = r.readNextRowGroup()) != null) {
        RecordReader<Group> rr = io.getRecordReader(pages, new GroupRecordConverter(schema));
        for (long i = 0; i < pages.getRowCount(); i++) {
          out.add(row(rr.read(), schema));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(file + ": cannot read Parquet: " + e.getMessage(), e);
    }
    return out;
  }

  private static Map<String, Object> row(Group g, GroupType type) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int f = 0; f < type.getFieldCount(); f++) {
      Type t = type.getType(f);
      int n = g.getFieldRepetitionCount(f);
      if (n == 0) {
        m.put(t.getName(), null);
      } else if (t.isPrimitive()) {
        m.put(t.getName(), primitive(g, f, 0, t.asPrimitiveType()));
      } else {
        m.put(t.getName(), list(g.getGroup(f, 0), t.asGroupType()));
      }
    }
    return m;
  }

  /** A LIST-annotated group: repeated group list { element } (or legacy repeated element). */
  private static List<Object> list(Group g, GroupType t) {
    List<Object> out = new ArrayList<>();
    Type repeated = t.getType(0);
    int n = g.getFieldRepetitionCount(0);
    for (int i = 0; i < n; i++) {
      if (repeated.isPrimitive()) {
        out.add(primitive(g, 0, i, repeated.asPrimitiveType()));
      } else {
        Group item = g.getGroup(0, i);
        GroupType it = repeated.asGroupType();
        if (item.getFieldRepetitionCount(0) == 0) {
          out.add(null);
        } else if (it.getType(0).isPrimitive()) {
          out.add(primitive(item, 0, 0, it.getType(0).asPrimitiveType()));
        } else {
          throw new IllegalArgumentException("nested lists are not supported: " + t);
        }
      }
    }
    return out;
  }

  private static Object primitive(Group g, int field, int index, PrimitiveType t) {
    return switch (t.getPrimitiveTypeName()) {
      case INT32 -> g.getInteger(field, index);
      case INT64 -> g.getLong(field, index);
      case BOOLEAN -> g.getBoolean(field, index);
      case FLOAT -> g.getFloat(field, index);
      case DOUBLE -> g.getDouble(field, index);
      case BINARY, FIXED_LEN_BYTE_ARRAY -> g.getString(field, index);
      default -> g.getValueToString(field, index);
    };
  }
}
