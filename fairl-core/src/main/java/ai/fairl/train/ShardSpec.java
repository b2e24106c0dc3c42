package ai.fairl.train;

/**
 * How one parameter of {@code numel} elements is split over {@code worldSize} ranks under full
 * sharding: flattened, padded with zeros to {@code worldSize * shardSize} elements, rank {@code r}
 * owns elements [{@code r * shardSize}, {@code (r + 1) * shardSize}). The padding is zero in the
 * parameter, its gradient and its optimizer state, so it never changes a result.
 *
 * @param numel elements of the parameter (> 0)
 * @param worldSize ranks (> 0)
 * @param shardSize elements per rank, {@code ceil(numel / worldSize)}
 */
public record ShardSpec(long numel, int worldSize, long shardSize) {

  public ShardSpec {
    if (numel < 1 || worldSize < 1) {
      throw new IllegalArgumentException(
          "a shard needs numel >= 1 and worldSize >= 1, got " + numel + " and " + worldSize);
    }
    if (shardSize != (numel + worldSize - 1) / worldSize) {
      throw new IllegalArgumentException(
          "shard size of "
              + numel
              + " elements over "
              + worldSize
              + " ranks must be "
              + (numel + worldSize - 1) / worldSize
              + ", got "
              + shardSize);
    }
  }

  /** The split of {@code numel} elements over {@code worldSize} ranks. */
  public static ShardSpec of(long numel, int worldSize) {
    if (worldSize < 1) {
      throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
    }
    return new ShardSpec(numel, worldSize, (numel + worldSize - 1) / worldSize);
  }

  /** Elements after padding: {@code worldSize * shardSize}. */
  public long paddedNumel() {
    return shardSize * worldSize;
  }

  /** Zeros appended to the flattened parameter. */
  public long padding() {
    return paddedNumel() - numel;
  }

  /** First element (of the flattened parameter) that rank {@code rank} owns. */
  public long start(int rank) {
    check(rank);
    return rank * shardSize;
  }

  /** How many of rank {@code rank}'s {@code shardSize} elements are real (the rest is padding). */
  public long validLength(int rank) {
    check(rank);
    return Math.max(0, Math.min(shardSize, numel - rank * shardSize));
  }

  private void check(int rank) {
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
    }
  }
}
