package ai.fairl;

/** The one facade of FAI-RL for Java: recipes, training, generation, inference, evaluation. */
public final class Fairl {
  private Fairl() {}

  /** The project version, from the jar manifest or "dev" when run from classes. */
  public static String version() {
    String v = Fairl.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
