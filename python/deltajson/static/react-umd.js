// The "react" module of the React demo page (react.html maps it in its import map). React 18
// ships no ES module build: the page loads its browser (UMD) build with a classic script,
// which sets the `React` global, and this re-exports it, so that react.js's
// `import { useState, ... } from "react"` works in the browser with no bundler and no CDN.
// In an app with a bundler, "react" is React's own package and this file is not used.

const React = globalThis.React;
if (React === undefined) throw new Error("React's browser build (react.production.min.js) is not loaded");

export const {
  Children,
  Component,
  Fragment,
  StrictMode,
  createContext,
  createElement,
  memo,
  useCallback,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} = React;
export default React;
