// The fake's entry: the writer is swapped (first import) before main runs (second).
import './fake-accelctl.js';
import '../../../src/main.js';
