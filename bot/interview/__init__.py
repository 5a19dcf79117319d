"""The interview: questions as data and a pure step function that every channel drives."""

from .engine import scenario_for, step
from .model import Answer, InterviewState, Option, Problem, Prompt

__all__ = ["Answer", "InterviewState", "Option", "Problem", "Prompt", "scenario_for", "step"]
