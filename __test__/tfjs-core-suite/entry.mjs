// The bundle's entry: the setup module, then every test file tfjs-core 4.x ships.
import './setup.mjs';
import '@tensorflow/tfjs-core/dist/tests';
