"""Jupyter protocol conformance of the fairl-java kernel (Debian's python3-jupyter-kernel-test).

Run by ConformanceTest.java with JUPYTER_PATH pointing at a temporary kernelspec.
"""
import unittest

import jupyter_kernel_test


class FairlJavaKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "fairl-java"
    language_name = "java"
    file_extension = ".jshell"

    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("oops");'
    code_generate_error = 'throw new IllegalStateException("boom");'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "ab"},
    ]
    code_display_data = [
        {"code": 'display("<b>bold</b>", "text/html");', "mime": "text/html"},
        {"code": 'display(new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_INT_RGB));',
         "mime": "image/png"},
    ]
    completion_samples = [
        {"text": "Math.ab", "matches": {"abs(", "absExact("}},
    ]
    complete_code_samples = ["1 + 1", "int x = 1;", "for (int i = 0; i < 2; i++) { }"]
    incomplete_code_samples = ["for (int i = 0; i < 2; i++) {", "int[] a = {1,"]
    invalid_code_samples = ["int = ;", "}"]
    code_inspect_sample = "Math.abs("
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # let the start-up imports finish so that no late status message from them races the
        # first test's flush_channels()
        cls.kc.execute_interactive("1", timeout=60)


if __name__ == "__main__":
    unittest.main()
