package ai.fairl.cli;

import ai.fairl.engine.EngineInfo;
import ai.fairl.setup.Credentials;
import ai.fairl.setup.Doctor;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code fairl doctor}: one line a check; never prints a key. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Check this machine: Java, tensor engine (stock DJL or fairl-native, PyTorch and CUDA"
          + " versions), GPUs, fonts, Jupyter and the fairl-java kernel, keys present (never shown).",
      "Exit status 0 when every check passed, 1 otherwise."
    })
final class DoctorCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    Session s = Cli.current();
    Credentials creds = new Credentials(s.env, LoginCommand.home(s));
    List<Doctor.Check> checks =
        new Doctor(creds, s.env, () -> EngineInfo.current().describe()).run();
    checks.forEach(c -> s.out.println(c));
    return checks.stream().allMatch(Doctor.Check::ok) ? 0 : 1;
  }
}
