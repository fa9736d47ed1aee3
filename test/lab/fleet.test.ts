// The lab fleet's tests share its 3 hosts, so they run one after the other in this one process.
import './fleet-suite.ts';
