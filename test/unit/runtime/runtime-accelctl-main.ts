// The writer is swapped (first import) before main runs (second).
import './runtime-accelctl.js';
import '../../../src/main.js';
