// Package attack is pngd's attack suite: tests, built only with the
// "attack" tag (make attack), that start a real pngd process with a known
// memory budget and attack it as an anonymous client would, then hold it to
// the budget (peak RSS, VmHWM), to an answer for every request, to prompt
// answers during and after, and to stored objects that match their ids.
package attack
