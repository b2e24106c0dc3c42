package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A test double: a bigram language model, logits = W[token], W (vocab, vocab) trainable. */
final class Bigram implements LogitsFunction, Trainable, AutoCloseable {
  final NDManager manager = NDManager.newBaseManager();
  final NDArray weight;
  final int vocab;

  Bigram(int vocab, long seed) {
    this.vocab = vocab;
    Random r = new Random(seed);
    float[] w = new float[vocab * vocab];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextGaussian() * 0.1);
    }
    weight = manager.create(w, new Shape(vocab, vocab));
    weight.setRequiresGradient(true);
  }

  @Override
  public NDArray logits(NDArray inputIds, NDArray attentionMask, boolean training) {
    NDArray flat = inputIds.flatten(); // (batch * seq)
    NDArray rows = weight.get(flat); // (batch * seq, vocab)
    return rows.reshape(inputIds.getShape().get(0), inputIds.getShape().get(1), vocab);
  }

  @Override
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> m = new LinkedHashMap<>();
    m.put("bigram.weight", weight);
    return m;
  }

  @Override
  public void save(Path dir) throws IOException {
    NDArray copy = weight.duplicate();
    copy.setName("bigram.weight");
    try (OutputStream out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
      new NDList(copy).encode(out, NDList.Encoding.SAFETENSORS);
    }
    copy.close();
  }

  @Override
  public void load(Path dir) throws IOException {
    try (NDManager tmp = NDManager.newBaseManager();
        InputStream in = Files.newInputStream(dir.resolve("model.safetensors"))) {
      NDList l = NDList.decode(tmp, in);
      weight.set(l.get(0).toFloatArray());
    }
  }

  float[] snapshot() {
    return weight.toFloatArray();
  }

  @Override
  public void close() {
    manager.close();
  }

  /** Right-pads rows of token ids into a batch with labels on every real token. */
  static TokenBatch collate(List<long[]> rows) {
    int seq = rows.stream().mapToInt(r -> r.length).max().orElse(1);
    int n = rows.size();
    long[] ids = new long[n * seq];
    long[] mask = new long[n * seq];
    long[] labels = new long[n * seq];
    java.util.Arrays.fill(labels, LogProbs.IGNORE);
    for (int i = 0; i < n; i++) {
      long[] r = rows.get(i);
      for (int t = 0; t < r.length; t++) {
        ids[i * seq + t] = r[t];
        mask[i * seq + t] = 1;
        labels[i * seq + t] = r[t];
      }
    }
    return new TokenBatch(n, seq, ids, mask, labels);
  }

  /** Sequences following x -> (x * 3 + 1) mod vocab, with random starts and lengths 3..8. */
  static List<long[]> data(int count, int vocab, long seed) {
    Random r = new Random(seed);
    List<long[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int len = 3 + r.nextInt(6);
      long[] row = new long[len];
      row[0] = r.nextInt(vocab);
      for (int t = 1; t < len; t++) {
        row[t] = (row[t - 1] * 3 + 1) % vocab;
      }
      out.add(row);
    }
    return out;
  }
}
