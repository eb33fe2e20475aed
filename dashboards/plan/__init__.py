"""The interval plan page (/plan): tomorrow's forecast and Erlang C staffing of a queue."""
