"""Shared test setup: the channels' day is fixed, so no test depends on the day it runs.

A course of 12 weekly sessions from March 2 ends in May, far from January 1: no question about
dates applies unless a test sets its own day (bot/today.py reads MASSAGE_BOT_TODAY; tests of the
calendar set another day, or pass it in)."""

import os

os.environ["MASSAGE_BOT_TODAY"] = "2026-03-02"
