#!/usr/bin/env node
// kubectl plugin entry: `kubectl netconform …` runs this when it is on PATH. Same CLI.
import './kube-netconform.js';
