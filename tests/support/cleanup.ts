// Set up for every test file (vitest.config.ts): after its last hook, its temp folders go.
import { afterAll } from "vitest";
import { removeTempDirs } from "./temp.js";

afterAll(removeTempDirs);
