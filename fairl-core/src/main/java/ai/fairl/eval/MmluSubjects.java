/*
 * The 57 MMLU subjects and their four categories, as lm-evaluation-harness groups them
 * (lm_eval/tasks/mmlu/_generate_configs.py SUBJECTS: stem, humanities, social_sciences, other).
 */
package ai.fairl.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** MMLU's subjects and categories. */
public final class MmluSubjects {
  public static final String STEM = "STEM";
  public static final String HUMANITIES = "humanities";
  public static final String SOCIAL_SCIENCES = "social sciences";
  public static final String OTHER = "other";

  private static final Map<String, String> CATEGORY = new LinkedHashMap<>();

  static {
    String[][] table = {
      {"abstract_algebra", STEM},
      {"anatomy", STEM},
      {"astronomy", STEM},
      {"business_ethics", OTHER},
      {"clinical_knowledge", OTHER},
      {"college_biology", STEM},
      {"college_chemistry", STEM},
      {"college_computer_science", STEM},
      {"college_mathematics", STEM},
      {"college_medicine", OTHER},
      {"college_physics", STEM},
      {"computer_security", STEM},
      {"conceptual_physics", STEM},
      {"econometrics", SOCIAL_SCIENCES},
      {"electrical_engineering", STEM},
      {"elementary_mathematics", STEM},
      {"formal_logic", HUMANITIES},
      {"global_facts", OTHER},
      {"high_school_biology", STEM},
      {"high_school_chemistry", STEM},
      {"high_school_computer_science", STEM},
      {"high_school_european_history", HUMANITIES},
      {"high_school_geography", SOCIAL_SCIENCES},
      {"high_school_government_and_politics", SOCIAL_SCIENCES},
      {"high_school_macroeconomics", SOCIAL_SCIENCES},
      {"high_school_mathematics", STEM},
      {"high_school_microeconomics", SOCIAL_SCIENCES},
      {"high_school_physics", STEM},
      {"high_school_psychology", SOCIAL_SCIENCES},
      {"high_school_statistics", STEM},
      {"high_school_us_history", HUMANITIES},
      {"high_school_world_history", HUMANITIES},
      {"human_aging", OTHER},
      {"human_sexuality", SOCIAL_SCIENCES},
      {"international_law", HUMANITIES},
      {"jurisprudence", HUMANITIES},
      {"logical_fallacies", HUMANITIES},
      {"machine_learning", STEM},
      {"management", OTHER},
      {"marketing", OTHER},
      {"medical_genetics", OTHER},
      {"miscellaneous", OTHER},
      {"moral_disputes", HUMANITIES},
      {"moral_scenarios", HUMANITIES},
      {"nutrition", OTHER},
      {"philosophy", HUMANITIES},
      {"prehistory", HUMANITIES},
      {"professional_accounting", OTHER},
      {"professional_law", HUMANITIES},
      {"professional_medicine", OTHER},
      {"professional_psychology", SOCIAL_SCIENCES},
      {"public_relations", SOCIAL_SCIENCES},
      {"security_studies", SOCIAL_SCIENCES},
      {"sociology", SOCIAL_SCIENCES},
      {"us_foreign_policy", SOCIAL_SCIENCES},
      {"virology", OTHER},
      {"world_religions", HUMANITIES},
    };
    for (String[] r : table) {
      CATEGORY.put(r[0], r[1]);
    }
  }

  private MmluSubjects() {}

  /** The 57 subjects in alphabetical order. */
  public static List<String> all() {
    return List.copyOf(CATEGORY.keySet());
  }

  /** The category of a subject. */
  public static String category(String subject) {
    String c = CATEGORY.get(subject);
    if (c == null) {
      throw new IllegalArgumentException(
          "unknown MMLU subject \"" + subject + "\"; subjects are " + CATEGORY.keySet());
    }
    return c;
  }

  public static boolean known(String subject) {
    return CATEGORY.containsKey(subject);
  }

  /** "high_school_us_history" as the harness writes it in prompts: "high school us history". */
  public static String display(String subject) {
    return subject.replace('_', ' ');
  }

  /**
   * The subjects a recipe's {@code dataset_subset} selects: "all" (or empty), one subject, or a
   * comma-separated list.
   */
  public static List<String> select(String subset) {
    if (subset == null || subset.isBlank() || subset.strip().equalsIgnoreCase("all")) {
      return all();
    }
    List<String> out = new java.util.ArrayList<>();
    for (String s : subset.split(",")) {
      String t = s.strip();
      if (!CATEGORY.containsKey(t)) {
        throw new IllegalArgumentException(
            "evaluation.dataset_subset: unknown MMLU subject \""
                + t
                + "\"; use \"all\", a subject such as abstract_algebra, or a comma-separated"
                + " list");
      }
      out.add(t);
    }
    return out;
  }
}
